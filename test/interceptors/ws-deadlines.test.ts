import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { WaitTimeoutError } from '../support/waits.js';
import { ADAPTERS, connect, wsAdapter } from '../support/ws-clients.js';
import { AssistantService } from './fixtures/assistant.service.js';
import { IoJobsGateway, WsJobsGateway } from './fixtures/jobs.gateway.js';

/**
 * The test kit's WebSocket waits have deadlines: a message that never comes fails the waiting test with what it
 * waited for, well within the per-test timeout of `npm test`, instead of hanging the run.
 */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

for (const adapter of ADAPTERS) {
  describe(`bounded WebSocket waits (${adapter})`, () => {
    const apps = tracedAppPerTest({
      providers: [AssistantService, adapter === 'socket.io' ? IoJobsGateway : WsJobsGateway],
      configure: (app) => {
        app.useWebSocketAdapter(wsAdapter(adapter, app));
      },
    });

    it('a lost reply fails the wait, naming the event, instead of hanging', async () => {
      const app = await apps.boot();
      const client = await connect(adapter, app.url, { namespace: '/jobs' });
      apps.defer(() => client.close());
      assert.equal(await client.request('ping', {}, 'pong'), 'ok', 'control: the connection answers');
      // No handler answers this event: the reply is lost.
      await assert.rejects(client.request('nobody-handles-this', {}, 'never-sent', 300), (error: unknown) => {
        assert.ok(error instanceof WaitTimeoutError, String(error));
        assert.equal(error.message, `still waiting for 1 "never-sent" message(s) on the ${adapter} client after 300 ms (got 0)`);
        return true;
      });
      assert.equal(await client.request('ping', {}, 'pong'), 'ok', 'the client still works after a wait gave up');
    });

    it('a stream cut short fails the wait with how many messages came', async () => {
      const app = await apps.boot();
      const client = await connect(adapter, app.url, { namespace: '/jobs' });
      apps.defer(() => client.close());
      const tokens = client.collect('token', 5, 500);
      client.send('stream', { prompt: 'only three tokens' });
      await assert.rejects(tokens, /still waiting for 5 "token" message\(s\) on the .* client after 500 ms \(got 3\)/);
    });

    it('a connection nobody accepts fails instead of hanging', async () => {
      await assert.rejects(connect(adapter, await refusedUrl(), { namespace: '/jobs', timeoutMs: 2000 }));
    });
  });
}
