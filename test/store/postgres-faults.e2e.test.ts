import type { StoreHealth } from '../../lib/health/tracing-health.js';
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestSchema, schemaUrl, type TestSchema } from '../support/postgres.js';
import { startTcpRelay, type TcpRelay } from '../support/tcp-relay.js';
import { within } from '../support/waits.js';
import { ResearchWorkflow } from './fixtures/demo-workflow.js';
import { startReplica, type Replica } from './support/fleet.js';

/** Spans of one request: the HTTP server span and the workflow's. */
const SPANS_PER_REQUEST = 1 + ResearchWorkflow.SPANS_PER_RUN;

async function health(replica: Replica): Promise<StoreHealth> {
  return (await (await fetch(`${replica.url}/_replica/health`)).json()) as StoreHealth;
}

/** Polls the replica's store health until `ok` holds (bounded). */
async function healthUntil(replica: Replica, what: string, ok: (h: StoreHealth) => boolean): Promise<StoreHealth> {
  return within(
    (async () => {
      for (;;) {
        const h = await health(replica);
        if (ok(h)) return h;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })(),
    what,
    20_000,
  );
}

async function load(replica: Replica, requests: number, tag: string): Promise<number[]> {
  return Promise.all(
    Array.from({ length: requests }, async (_, i) => (await fetch(`${replica.url}/research/${tag}-${i}`, { headers: { 'x-user': 'alice' } })).status),
  );
}

describe('PostgreSQL faults under a running app', () => {
  let schema: TestSchema;
  let relay: TcpRelay;
  let replica: Replica | undefined;

  beforeEach(async () => {
    schema = await createTestSchema('fault');
    relay = await startTcpRelay(5432);
  });

  afterEach(async () => {
    await replica?.stop();
    replica = undefined;
    await relay.close();
    await schema.drop();
  });

  it('connection cut mid-load: no request fails, writes resume, the counters account for every span', async () => {
    replica = await startReplica('replica-f', schemaUrl(schema.name, `postgres://postgres@127.0.0.1:${relay.port}/test`), { MAX_QUEUE: '300' });
    const statuses = await load(replica, 10, 'before');
    await fetch(`${replica.url}/_replica/flush`, { method: 'POST' });

    relay.cut();
    statuses.push(...(await load(replica, 40, 'during')));
    const down = await healthUntil(replica, 'the store to report the database unavailable', (h) => !h.available);
    assert.match(down.lastError ?? '', /unreachable|terminated|ECONN|closed/i);
    assert.ok(down.queued <= 300 + 300, `memory stays bounded: ${down.queued} queued`);

    relay.restore();
    await healthUntil(replica, 'writes to resume', (h) => h.available && h.queued === 0);
    statuses.push(...(await load(replica, 10, 'after')));
    await fetch(`${replica.url}/_replica/flush`, { method: 'POST' });

    assert.deepEqual(new Set(statuses), new Set([200]), 'no request failed');
    const h = await health(replica);
    const spans = statuses.length * SPANS_PER_REQUEST;
    assert.equal(h.written + h.dropped + h.failed + h.queued, spans, `every span is counted: ${JSON.stringify(h)}`);
    assert.ok(h.dropped + h.failed > 0, 'the outage cost spans, and they were counted');
    const [stored] = await schema.query<{ n: string }>('SELECT COUNT(*) AS n FROM spans');
    assert.equal(Number(stored!.n), h.written, 'what is counted as written is in the database');
    const [after] = await schema.query<{ n: string }>("SELECT COUNT(*) AS n FROM traces WHERE name LIKE 'GET %' AND start_ms > $1", [0]);
    assert.ok(Number(after!.n) >= 10 + 10, 'traces from before and after the outage are stored');
    assert.doesNotMatch(replica.output(), /Unhandled|uncaught|TypeError/i);
  });

  it('database down at startup: the app starts and serves, the store reports unavailable, then migrates and writes once it is up', async () => {
    relay.cut();
    replica = await startReplica('replica-s', schemaUrl(schema.name, `postgres://postgres@127.0.0.1:${relay.port}/test`));
    assert.deepEqual(new Set(await load(replica, 5, 'down')), new Set([200]));
    const down = await health(replica);
    assert.equal(down.available, false);
    assert.match(down.lastError ?? '', /trace store database at postgres:\/\/postgres@127\.0\.0\.1:\d+\/test\S* is unreachable/);
    assert.equal((await fetch(`${replica.url}/_tracing/api/traces`)).status, 503, 'the explorer says to come back later');

    relay.restore();
    await healthUntil(replica, 'the store to connect and write what waited', (h) => h.available && h.queued === 0);
    assert.deepEqual(new Set(await load(replica, 5, 'up')), new Set([200]));
    await fetch(`${replica.url}/_replica/flush`, { method: 'POST' });
    const page = (await (await fetch(`${replica.url}/_tracing/api/traces`)).json()) as { total: number };
    assert.equal(page.total, 10, 'the spans that waited for the database are written too');
  });
});
