import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CostReport, TraceListPage, TraceTree } from '../../lib/store/trace-query.types.js';
import { near } from '../support/assertions.js';
import { createTestSchema, type TestSchema } from '../support/postgres.js';
import { startReplica, type Replica } from './support/fleet.js';

const USERS = ['alice', 'bob', 'carol'];
const REQUESTS_PER_REPLICA = 6;

describe('a fleet of three replicas on one PostgreSQL store', () => {
  let schema: TestSchema;
  let replicas: Replica[] = [];

  before(async () => {
    schema = await createTestSchema('fleet');
    // Started together: their migrations race for the advisory lock.
    replicas = await Promise.all(['replica-a', 'replica-b', 'replica-c'].map((id) => startReplica(id, schema.url)));
  });

  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await schema.drop();
  });

  it('migrates once, however many replicas start together', async () => {
    const [row] = await schema.query<{ version: number }>('SELECT version FROM nestjs_ai_tracing_schema');
    assert.equal(row!.version, 1);
    assert.equal((await schema.query('SELECT version FROM nestjs_ai_tracing_schema')).length, 1);
  });

  it('every replica writes concurrently; any explorer lists every trace with its replica; the cost report is the fleet sum', async () => {
    const answers = await Promise.all(
      replicas.flatMap((replica) =>
        Array.from({ length: REQUESTS_PER_REPLICA }, async (_, i) => {
          const res = await fetch(`${replica.url}/research/topic-${i}`, { headers: { 'x-user': USERS[i % USERS.length]! } });
          return { status: res.status, body: (await res.json()) as { instance: string } };
        }),
      ),
    );
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
    for (const replica of replicas) await fetch(`${replica.url}/_replica/flush`, { method: 'POST' });

    const total = replicas.length * REQUESTS_PER_REPLICA;
    for (const replica of replicas) {
      const page = (await (await fetch(`${replica.url}/_tracing/api/traces?limit=100`)).json()) as TraceListPage;
      assert.equal(page.total, total, `${replica.instanceId} lists the traces of the whole fleet`);
      assert.deepEqual(
        page.traces.map((t) => t.instanceId).sort(),
        replicas.flatMap((r) => Array<string>(REQUESTS_PER_REPLICA).fill(r.instanceId)).sort(),
        'each trace names the replica that served it',
      );
    }
    // A trace served by replica b, opened on replica a's explorer: every span says where it ran.
    const list = (await (await fetch(`${replicas[0]!.url}/_tracing/api/traces?limit=100`)).json()) as TraceListPage;
    const fromB = list.traces.find((t) => t.instanceId === 'replica-b')!;
    const tree = (await (await fetch(`${replicas[0]!.url}/_tracing/api/traces/${fromB.traceId}`)).json()) as TraceTree;
    assert.equal(tree.roots[0]!.instanceId, 'replica-b');

    const own = await Promise.all(
      replicas.map(async (r) => (await (await fetch(`${r.url}/_replica/cost`)).json()) as Array<{ user: string; totalUsd: number; calls: number }>),
    );
    for (const replica of replicas) {
      const report = (await (await fetch(`${replica.url}/_tracing/api/cost?groupBy=user`)).json()) as CostReport;
      assert.deepEqual(report.rows.map((r) => r.key).sort(), [...USERS].sort());
      for (const user of USERS) {
        const rows = own.flat().filter((r) => r.user === user);
        const row = report.rows.find((r) => r.key === user)!;
        assert.equal(row.llmCalls, rows.reduce((n, r) => n + r.calls, 0), `${user}'s calls across the fleet`);
        near(row.costUsd, rows.reduce((n, r) => n + r.totalUsd, 0), 1e-9, `${user}'s cost across the fleet`);
        assert.ok(row.costUsd > 0);
      }
    }
    for (const replica of replicas) assert.doesNotMatch(replica.output(), /Unhandled|TypeError|ReferenceError/);
  });
});
