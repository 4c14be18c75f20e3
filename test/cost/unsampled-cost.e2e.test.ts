import 'reflect-metadata';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CostService, TraceStoreService } from '../../lib/index.js';
import { configuredBy } from '../support/config-service.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { header } from '../support/http.js';
import { tempDir } from '../support/temp-dir.js';
import { flushEndedSpans, PLATFORMS, type TracedApp } from '../support/tracing-harness.js';
import { RESEARCH_PROVIDERS, ResearchController, researchSteps, stepCost } from './fixtures/research.app.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
/** A client that asks not to be sampled: the flags byte is 00. */
const UNSAMPLED = `00-${TRACE_ID}-00f067aa0ba902b7-00`;

const runCost = (n: number) => researchSteps(n).reduce((sum, step) => sum + stepCost(step), 0);

for (const platform of PLATFORMS) {
  describe(`cost of unsampled requests on ${platform}`, () => {
    const tmp = tempDir();
    const apps = tracedAppPerTest({ platform, controllers: [ResearchController], providers: RESEARCH_PROVIDERS });
    after(() => tmp.cleanup());

    function start(name: string, http: { trustRemoteSampling?: boolean } = {}): Promise<TracedApp> {
      return apps.boot({ tracing: { store: { path: join(tmp.path, `${name}.db`) }, http: { userId: (request) => header(request, 'x-user-id'), ...http } } });
    }

    it("puts an unsampled request's LLM cost in the cost reports, under its user", async () => {
      const app = await start('honoured');
      const response = await fetch(`${app.url}/research/3`, { headers: { traceparent: UNSAMPLED, 'x-user-id': 'mallory' } });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('traceresponse') ?? '', new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`), 'the remote flag was honoured');
      await app.tracing.forceFlush();
      assert.deepEqual(app.spans(), [], 'nothing was sampled');

      // In memory: CostService already got it.
      const [inMemory] = app.app.get(CostService).report({ groupBy: ['user'] });
      assert.deepEqual(inMemory!.key, { user: 'mallory' });
      assert.equal(inMemory!.calls, 3);
      assert.ok(Math.abs(inMemory!.totalUsd - runCost(3)) < 1e-12);

      // And in the store, which kept no trace of the request.
      const store = app.app.get(TraceStoreService);
      assert.equal((await store.listTraces()).total, 0);
      const report = await store.costReport({ groupBy: 'user' });
      assert.deepEqual(
        report.rows.map((r) => [r.key, r.llmCalls, r.unsampledCalls, r.traces]),
        [['mallory', 3, 3, 1]],
      );
      assert.ok(Math.abs(report.rows[0]!.costUsd - runCost(3)) < 1e-12);
    });

    it('TRACING_HTTP_TRUST_REMOTE_SAMPLING=false (through ConfigService) samples by sampleRate too', async () => {
      const { tracingModule, imports } = await configuredBy({ TRACING_HTTP_TRUST_REMOTE_SAMPLING: 'false' }, { exporter: 'memory' });
      const traced = await apps.boot({ tracingModule, imports });
      const response = await fetch(`${traced.url}/research/5`, { headers: { traceparent: UNSAMPLED } });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('traceresponse') ?? '', new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`), 'sampled despite the client flag');
    });

    it('samples by sampleRate instead of the client flag with http.trustRemoteSampling: false, in the same trace', async () => {
      const app = await start('edge', { trustRemoteSampling: false });
      const response = await fetch(`${app.url}/research/4`, { headers: { traceparent: UNSAMPLED, 'x-user-id': 'mallory' } });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('traceresponse') ?? '', new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
      await flushEndedSpans(app.tracing);
      const request = app.spans().find((s) => s.name === 'GET /research/:n')!;
      assert.equal(request.spanContext().traceId, TRACE_ID, 'the trace still joins the caller');
      assert.equal(request.parentSpanContext?.spanId, '00f067aa0ba902b7');
      const store = app.app.get(TraceStoreService);
      const [trace] = (await store.listTraces()).traces;
      assert.equal(trace!.traceId, TRACE_ID);
      assert.equal((await store.costReport({ groupBy: 'user' })).rows[0]!.unsampledCalls, 0);
    });
  });
}
