import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSampleApp } from '../../sample-app/bootstrap.js';
import { localModelEnv, startModelServer, type ModelServer } from '../../sample-app/model-server/model-server.js';

/** A local port nothing listens on any more: connections to it are refused, as to a Redis that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('sample app with Redis unreachable at startup', () => {
  let modelServer: ModelServer;
  let app: INestApplication;
  let baseUrl: string;
  let redisUrl: string;
  const storeDir = mkdtempSync(join(tmpdir(), 'sample-app-no-redis-'));

  before(async () => {
    modelServer = await startModelServer();
    redisUrl = `redis://127.0.0.1:${await closedPort()}`;
    Object.assign(process.env, {
      ...localModelEnv(modelServer, 'test'),
      TRACING_EXPORTER: 'memory',
      TRACING_STORE_PATH: join(storeDir, 'traces.db'),
      REDIS_URL: redisUrl,
    });
    app = await createSampleApp({ envFile: false, logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  after(async () => {
    await app?.close();
    await modelServer?.close();
    rmSync(storeDir, { recursive: true, force: true });
  });

  const run = (query: string) =>
    fetch(`${baseUrl}/workflows/document-triage/runs${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': 'alice' },
      body: JSON.stringify({ documentId: 'ticket-4711' }),
    });

  it('starts, and answers a queued run with 503 saying which Redis it needs and why it is unavailable', async () => {
    const response = await run('?mode=queued');
    assert.equal(response.status, 503);
    const { message } = (await response.json()) as { message: string };
    assert.ok(message.includes(`Queued runs need Redis at ${redisUrl} (REDIS_URL)`), message);
    assert.match(message, /ECONNREFUSED/);
    assert.match(message, /without \?mode=queued/);
  });

  it('still runs workflows in the request', async () => {
    const response = await run('');
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { status: string }).status, 'completed');
  });
});
