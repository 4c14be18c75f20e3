import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CostReport, ErrorSummary, SlowestReport, TraceListPage, TraceTree, ParallelGroup } from '../../lib/store/trace-query.types.js';
import { explorerUnauthorized } from '../../lib/tracing.messages.js';
import { createResearchWorkflow, RateLimitError } from './fixtures/demo-workflow.js';
import { startExplorerApp, type ExplorerApp } from './support/explorer-app.js';
import { openTracedStore, traceIdOf } from './support/store-harness.js';
import { tempDir } from '../support/temp-dir.js';
import { PLATFORMS } from '../support/tracing-harness.js';


/** Fills a store file with 4 demo runs: alice x2, bob x2 (one failing). Returns the failing trace id. */
async function seedStore(path: string): Promise<{ failedTraceId: string; okTraceId: string }> {
  const traced = openTracedStore(path);
  const workflow = createResearchWorkflow();
  for (const [user, fail] of [['alice', false], ['alice', false], ['bob', false], ['bob', true]] as const) {
    await traced.as({ userId: user }, () => workflow.run({ delayMs: 2, fail }).catch((e: unknown) => {
      if (!(e instanceof RateLimitError)) throw e;
    }));
  }
  await traced.flush();
  const spans = traced.finished();
  const failedTraceId = traceIdOf(spans.find((s) => s.status.code === 2)!);
  const okTraceId = traceIdOf(spans.find((s) => traceIdOf(s) !== failedTraceId)!);
  await traced.close();
  return { failedTraceId, okTraceId };
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

for (const platform of PLATFORMS) {
  describe(`explorer over ${platform}`, () => {
    const tmp = tempDir('ai-tracing-store');
    const path = join(tmp.path, 'traces.db');
    let seeded: { failedTraceId: string; okTraceId: string };

    before(async () => {
      seeded = await seedStore(path);
    });

    after(() => tmp.cleanup());

    describe('without a token', () => {
      let app: ExplorerApp;
      let api: string;

      before(async () => {
        app = await startExplorerApp(platform, path);
        api = `${app.url}/_tracing/api`;
      });

      after(() => app.close());

      it('serves the page with inline assets and a strict CSP', async () => {
        const res = await fetch(`${app.url}/_tracing`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type')!, /^text\/html/);
        const csp = res.headers.get('content-security-policy')!;
        assert.match(csp, /default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]+'/);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(res.headers.get('cache-control'), 'no-store');
        const html = await res.text();
        assert.match(html, /<body data-base="\/_tracing">/);
        assert.doesNotMatch(html, /<(script|link)[^>]+(src|href)=/, 'no external asset');
      });

      it('lists traces with filters and paging', async () => {
        const all = await getJson<TraceListPage>(`${api}/traces`);
        assert.equal(all.status, 200);
        assert.match(all.headers.get('content-type')!, /^application\/json/);
        assert.equal(all.body.total, 4);
        assert.equal((await getJson<TraceListPage>(`${api}/traces?user=alice`)).body.total, 2);
        const failed = await getJson<TraceListPage>(`${api}/traces?hasError=true&since=1h`);
        assert.deepEqual(failed.body.traces.map((t) => t.traceId), [seeded.failedTraceId]);
        const first = await getJson<TraceListPage>(`${api}/traces?limit=3`);
        const second = await getJson<TraceListPage>(`${api}/traces?limit=3&cursor=${first.body.nextCursor}`);
        assert.deepEqual([...first.body.traces, ...second.body.traces].map((t) => t.traceId), all.body.traces.map((t) => t.traceId));
      });

      it('returns one trace as a tree with its parallel groups', async () => {
        const res = await getJson<TraceTree & { parallelGroups: ParallelGroup[] }>(`${api}/traces/${seeded.okTraceId}`);
        assert.equal(res.status, 200);
        assert.equal(res.body.trace.name, 'invoke_workflow research');
        assert.equal(res.body.roots[0]!.children.length, 4);
        assert.equal(res.body.parallelGroups.length, 1);
        assert.equal(res.body.parallelGroups[0]!.spans.length, 3);
        const parallel = await getJson<{ traceId: string; groups: ParallelGroup[] }>(`${api}/traces/${seeded.okTraceId}/parallel`);
        assert.deepEqual(parallel.body.groups, res.body.parallelGroups);
      });

      it('answers the cost, slowest, errors and stats queries', async () => {
        const cost = await getJson<CostReport>(`${api}/cost?groupBy=user&since=7d`);
        assert.equal(cost.status, 200);
        assert.deepEqual(cost.body.rows.map((r) => r.key).sort(), ['alice', 'bob']);
        assert.ok(cost.body.total.costUsd > 0);
        const slowest = await getJson<SlowestReport>(`${api}/slowest?limit=10`);
        assert.deepEqual(slowest.body.nodes.map((r) => r.key).sort(), ['classify', 'retrieve', 'summarize', 'translate']);
        const errors = await getJson<ErrorSummary>(`${api}/errors`);
        assert.equal(errors.body.rows[0]!.errorType, 'RateLimitError');
        assert.equal(errors.body.rows[0]!.lastTraceId, seeded.failedTraceId);
        const stats = await getJson<{ traces: number; spans: number; dropped: number }>(`${api}/stats`);
        assert.equal(stats.body.traces, 4);
        assert.equal(stats.body.dropped, 0);
        assert.equal('path' in stats.body, false, 'the file path is not disclosed');
      });

      const badRequests: Array<[string, string]> = [
        ['/traces?limit=0', 'limit'],
        ['/traces?stauts=error', 'stauts'],
        ['/traces?since=yesterday', 'since'],
        ['/traces?user=a&user=b', 'user'],
        ['/traces?cursor=%FF%FE', 'cursor'],
        ['/traces?minDurationMs=1e400', 'minDurationMs'],
        ['/traces/not-a-trace-id', 'traceId'],
        ['/traces/zz%2F..%2F/parallel', 'traceId'],
        ['/cost?groupBy=country', 'groupBy'],
        ['/slowest?limit=-1', 'limit'],
        ['/errors?until=soon', 'until'],
        ['/stats?verbose=1', 'verbose'],
      ];
      for (const [query, field] of badRequests) {
        it(`answers 400 with the message for ${query}`, async () => {
          const res = await getJson<{ error: string }>(`${api}${query}`);
          assert.equal(res.status, 400);
          assert.ok(res.body.error.startsWith(`nestjs-ai-tracing: invalid query parameter ${field}=`), res.body.error);
        });
      }

      it('answers 404 for a trace that is not stored', async () => {
        const res = await getJson<{ error: string }>(`${api}/traces/0123456789abcdef0123456789abcdef`);
        assert.equal(res.status, 404);
        assert.match(res.body.error, /not in the store/);
      });
    });

    describe('with a token', () => {
      const token = 's3cret-token';
      let app: ExplorerApp;

      before(async () => {
        app = await startExplorerApp(platform, path, { token, path: '/ops/traces/' });
      });

      after(() => app.close());

      it('refuses API calls without the right bearer token', async () => {
        const attempts: Array<Record<string, string>> = [
          {},
          { authorization: 'Bearer wrong' },
          { authorization: `Basic ${token}` },
          { authorization: `Bearer ${token}x` },
        ];
        for (const headers of attempts) {
          const res = await getJson<{ error: string }>(`${app.url}/ops/traces/api/traces`, headers);
          assert.equal(res.status, 401);
          assert.deepEqual(res.body, { error: explorerUnauthorized() });
          assert.match(res.headers.get('www-authenticate')!, /^Bearer /);
        }
        const viaQuery = await fetch(`${app.url}/ops/traces/api/traces?token=${token}`);
        assert.equal(viaQuery.status, 401, 'the JSON API takes the token from the header only');
      });

      it('accepts the bearer token', async () => {
        const res = await getJson<TraceListPage>(`${app.url}/ops/traces/api/traces`, { authorization: `Bearer ${token}` });
        assert.equal(res.status, 200);
        assert.equal(res.body.total, 4);
      });

      it('refuses the page without the token and serves it with ?token= or the header', async () => {
        const refused = await fetch(`${app.url}/ops/traces`);
        assert.equal(refused.status, 401);
        const html = await refused.text();
        assert.match(html, /Explorer token required/);
        assert.doesNotMatch(html, /invoke_workflow/);
        const wrong = await fetch(`${app.url}/ops/traces?token=nope`);
        assert.equal(wrong.status, 401);
        assert.match(await wrong.text(), /not valid/);
        assert.equal((await fetch(`${app.url}/ops/traces?token=${token}`)).status, 200);
        assert.equal((await fetch(`${app.url}/ops/traces`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      });
    });

    describe('when the store fails under it', () => {
      const broken = tempDir('ai-tracing-explorer-broken');
      after(() => broken.cleanup());

      it('answers 500 with a message that discloses nothing, and keeps serving', async () => {
        const file = broken.join('traces.db');
        await seedStore(file);
        const app = await startExplorerApp(platform, file);
        try {
          assert.equal((await getJson<TraceListPage>(`${app.url}/_tracing/api/traces`)).status, 200, 'control: the store answers');
          // Another process (an admin, a bad migration) drops the tables under the running app.
          const other = new Database(file);
          other.exec('DROP TABLE spans; DROP TABLE traces;');
          other.close();
          const res = await getJson<{ error: string }>(`${app.url}/_tracing/api/traces`);
          assert.equal(res.status, 500);
          assert.deepEqual(res.body, { error: 'nestjs-ai-tracing: the trace explorer could not answer; see the application log' });
          assert.equal((await getJson<{ error: string }>(`${app.url}/_tracing/api/traces?limit=0`)).status, 400, 'bad input is still a 400');
          assert.equal((await fetch(`${app.url}/_tracing`)).status, 200, 'the page is still served');
        } finally {
          await app.close();
        }
      });
    });

    describe('when disabled', () => {
      it('mounts nothing', async () => {
        const app = await startExplorerApp(platform, path, { enabled: false });
        try {
          assert.equal((await fetch(`${app.url}/_tracing`)).status, 404);
          assert.equal((await fetch(`${app.url}/_tracing/api/traces`)).status, 404);
        } finally {
          await app.close();
        }
      });
    });
  });
}
