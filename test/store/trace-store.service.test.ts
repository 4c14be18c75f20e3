import { SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AttributionAttributes, CostAttributes, GenAiAttributes, WorkflowAttributes } from '../../lib/semconv.js';
import type { CostGroupBy, TraceSummary } from '../../lib/store/trace-query.types.js';
import { TraceQueryError } from '../../lib/store/trace-query.validation.js';
import { TraceStoreService } from '../../lib/store/trace-store.service.js';
import { storeDisabled } from '../../lib/tracing.messages.js';
import { createResearchWorkflow, RateLimitError } from './fixtures/demo-workflow.js';
import { openTracedStoreOn, STORE_DRIVERS, traceIdOf, type TracedStore } from './support/store-harness.js';
import { tempDir } from '../support/temp-dir.js';

const RUNS = [
  { user: 'alice', tenant: 'acme' },
  { user: 'alice', tenant: 'acme' },
  { user: 'alice', tenant: 'acme' },
  { user: 'bob', tenant: 'globex' },
  { user: 'bob', tenant: 'globex', fail: true },
  { user: undefined, tenant: undefined },
] as const;

for (const driver of STORE_DRIVERS) describe(`TraceStoreService (${driver})`, () => {
  const tmp = tempDir('ai-tracing-store');
  let traced: TracedStore;
  let all: TraceSummary[];
  let failedTraceId: string;
  let spans: ReadableSpan[];

  before(async () => {
    traced = await openTracedStoreOn(driver, tmp.path);
    const workflow = createResearchWorkflow();
    for (const [i, run] of RUNS.entries()) {
      const attribution = { userId: run.user, tenantId: run.tenant };
      // 2 ms steps: the parallel nodes overlap by more than the 1 ms resolution of span start times.
      await traced.as(attribution, () => workflow.run({ topic: `topic-${i}`, delayMs: 2, fail: 'fail' in run }).catch((e: unknown) => {
        if (!(e instanceof RateLimitError)) throw e;
      }));
    }
    const cleanup = traced.tracer.startSpan('cleanup 100%');
    cleanup.setStatus({ code: SpanStatusCode.OK });
    cleanup.end();
    // A second service writing into the same store.
    const billing = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'billing' }), spanProcessors: [traced.store.processor] });
    billing.getTracer('test').startSpan('charge card').end();
    await traced.flush();
    spans = traced.finished();
    failedTraceId = traceIdOf(spans.find((s) => s.attributes['error.type'] === 'RateLimitError')!);
    all = (await traced.service.listTraces({ limit: 500 })).traces;
  });

  after(async () => {
    await traced.close();
    tmp.cleanup();
  });

  const ids = (traces: TraceSummary[]) => traces.map((t) => t.traceId);
  const list = async (query: Parameters<TraceStoreService['listTraces']>[0]) => (await traced.service.listTraces(query)).traces;

  describe('listTraces', () => {
    it('lists every trace, newest first', async () => {
      assert.equal(all.length, RUNS.length + 2);
      assert.equal((await traced.service.listTraces()).total, RUNS.length + 2);
      for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.startMs >= all[i]!.startMs);
    });

    it('filters by user, workflow, service and status', async () => {
      assert.equal((await list({ user: 'alice' })).length, 3);
      assert.ok((await list({ user: 'alice' })).every((t) => t.userId === 'alice'));
      assert.equal((await list({ workflow: 'research' })).length, RUNS.length);
      assert.deepEqual((await list({ service: 'billing' })).map((t) => t.name), ['charge card']);
      assert.equal((await list({ service: 'research-api' })).length, RUNS.length + 1);
      assert.deepEqual(ids(await list({ status: 'error' })), [failedTraceId]);
      assert.deepEqual((await list({ status: 'ok' })).map((t) => t.name), ['cleanup 100%']);
      assert.equal((await list({ status: 'unset' })).length, RUNS.length);
    });

    it('filters by errors, duration and combinations', async () => {
      assert.deepEqual(ids(await list({ hasError: true })), [failedTraceId]);
      assert.equal((await list({ hasError: false })).length, all.length - 1);
      assert.deepEqual(ids(await list({ user: 'bob', hasError: true })), [failedTraceId]);
      assert.deepEqual(await list({ user: 'alice', hasError: true }), []);
      const threshold = [...all].sort((a, b) => a.durationMs - b.durationMs)[Math.floor(all.length / 2)]!.durationMs;
      assert.deepEqual(ids(await list({ minDurationMs: threshold })), ids(all.filter((t) => t.durationMs >= threshold)));
    });

    it('filters by text in the name, treating % and _ literally', async () => {
      assert.equal((await list({ name: 'RESEARCH' })).length, RUNS.length);
      assert.deepEqual((await list({ name: '100%' })).map((t) => t.name), ['cleanup 100%']);
      assert.deepEqual((await list({ name: '%' })).map((t) => t.name), ['cleanup 100%']);
      assert.deepEqual(await list({ name: '1_0' }), []);
    });

    it('filters by time range (Date, epoch ms, ISO text, relative duration)', async () => {
      const middle = all[Math.floor(all.length / 2)]!;
      assert.deepEqual(ids(await list({ until: middle.startMs })), ids(all.filter((t) => t.startMs < middle.startMs)));
      assert.deepEqual(ids(await list({ since: new Date(middle.startMs) })), ids(all.filter((t) => t.startMs >= middle.startMs)));
      assert.deepEqual(ids(await list({ since: new Date(middle.startMs).toISOString().replace(/\.\d+Z$/, 'Z') })), ids(all.filter((t) => t.startMs >= Math.floor(middle.startMs / 1000) * 1000)));
      assert.equal((await list({ since: '1h' })).length, all.length);
      assert.deepEqual(await list({ since: Date.now() + 60_000 }), []);
    });

    it('pages with a cursor and with offsets', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await traced.service.listTraces({ limit: 3, cursor });
        assert.equal(page.total, all.length);
        seen.push(...ids(page.traces));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor);
      assert.deepEqual(seen, ids(all));
      assert.equal(pages, Math.ceil(all.length / 3));
      assert.deepEqual(ids(await list({ limit: 2, offset: 2 })), ids(all.slice(2, 4)));
    });

    it('accepts raw query strings as the explorer passes them', async () => {
      const page = await traced.service.listTraces({ hasError: 'true', limit: '5', user: 'bob', minDurationMs: '0', since: '', status: '' });
      assert.deepEqual(ids(page.traces), [failedTraceId]);
      assert.equal((await traced.service.listTraces({ hasError: '0' })).total, all.length - 1);
    });

    const badInputs: Array<[string, Record<string, unknown>, string]> = [
      ['unknown filter', { stauts: 'error' }, 'stauts'],
      ['status outside the enum', { status: 'failed' }, 'status'],
      ['limit 0', { limit: 0 }, 'limit'],
      ['limit above 500', { limit: 501 }, 'limit'],
      ['limit not a number', { limit: 'ten' }, 'limit'],
      ['fractional offset', { offset: 1.5 }, 'offset'],
      ['negative duration', { minDurationMs: -1 }, 'minDurationMs'],
      ['duration as words', { minDurationMs: 'slow' }, 'minDurationMs'],
      ['hasError not a boolean', { hasError: 'maybe' }, 'hasError'],
      ['since as loose text', { since: 'yesterday' }, 'since'],
      ['until as an invalid Date', { until: new Date('nope') }, 'until'],
      ['since after until', { since: 2000, until: 1000 }, 'since'],
      ['user too long', { user: 'x'.repeat(201) }, 'user'],
      ['workflow not a string', { workflow: 42 }, 'workflow'],
      ['forged cursor', { cursor: 'not-a-cursor' }, 'cursor'],
      ['cursor and offset together', { cursor: Buffer.from(JSON.stringify([1, 'a'.repeat(32)])).toString('base64url'), offset: 3 }, 'offset'],
    ];
    for (const [label, query, field] of badInputs) {
      it(`rejects ${label} with a TraceQueryError naming ${field}`, async () => {
        await assert.rejects(
          () => traced.service.listTraces(query as never),
          (error: unknown) => error instanceof TraceQueryError && error.message.startsWith(`nestjs-ai-tracing: invalid query parameter ${field}=`),
        );
      });
    }

    it('binds every value: SQL in a filter is just text', async () => {
      assert.deepEqual(await list({ user: "' OR 1=1 --" }), []);
      assert.deepEqual(await list({ name: "'; DROP TABLE traces; --" }), []);
      assert.equal((await traced.service.listTraces()).total, all.length);
    });
  });

  describe('getTrace and parallelGroups', () => {
    it('returns null for an unknown trace and rejects a malformed id', async () => {
      assert.equal(await traced.service.getTrace('0123456789abcdef0123456789abcdef'), null);
      assert.equal(await traced.service.parallelGroups('0123456789abcdef0123456789abcdef'), null);
      for (const bad of ['xyz', '0'.repeat(32), `${'a'.repeat(32)}' OR '1'='1`]) {
        await assert.rejects(() => traced.service.getTrace(bad), (e: unknown) => e instanceof TraceQueryError && e.message.includes('traceId='));
      }
    });

    it('accepts an upper-case trace id', async () => {
      const tree = (await traced.service.getTrace(failedTraceId.toUpperCase()))!;
      assert.equal(tree.trace.traceId, failedTraceId);
      assert.equal(tree.trace.errorType, 'RateLimitError');
      const failedCall = tree.roots[0]!.children.flatMap((c) => c.children).find((s) => s.status === 'error')!;
      assert.equal(failedCall.statusMessage, '429 rate limited');
      assert.ok(failedCall.events.some((e) => e.name === 'exception' && e.attributes?.['exception.message'] === '429 rate limited'));
    });

    it('finds the nodes that ran in parallel under the workflow', async () => {
      const traceId = ids(await list({ user: 'alice' }))[0]!;
      const groups = (await traced.service.parallelGroups(traceId))!;
      assert.equal(groups.length, 1);
      const [group] = groups;
      assert.equal(group!.parentName, 'invoke_workflow research');
      assert.deepEqual(group!.spans.map((s) => s.name).sort(), ['node classify', 'node summarize', 'node translate']);
      assert.ok(group!.wallMs <= group!.sequentialMs);
      const workflowSpan = spans.find((s) => traceIdOf(s) === traceId && s.name === 'invoke_workflow research')!;
      assert.equal(group!.parentSpanId, workflowSpan.spanContext().spanId);
    });
  });

  describe('costReport', () => {
    // Every provider call that cost something or succeeded; a failed call without usage cost nothing (as in CostService).
    const providerSpans = () =>
      spans.filter(
        (s) =>
          s.attributes[GenAiAttributes.PROVIDER_NAME] !== undefined &&
          (s.status.code !== SpanStatusCode.ERROR || s.attributes[GenAiAttributes.USAGE_INPUT_TOKENS] !== undefined),
      );
    const keyOf: Record<CostGroupBy, (s: ReadableSpan) => string | null> = {
      user: (s) => (s.attributes[AttributionAttributes.USER_ID] as string | undefined) ?? null,
      tenant: (s) => (s.attributes[AttributionAttributes.TENANT_ID] as string | undefined) ?? null,
      workflow: () => 'research',
      provider: (s) => s.attributes[GenAiAttributes.PROVIDER_NAME] as string,
      model: (s) => s.attributes[GenAiAttributes.REQUEST_MODEL] as string,
      kind: () => 'tokens',
      day: (s) => new Date(hrTimeToMilliseconds(s.startTime)).toISOString().slice(0, 10),
    };

    for (const groupBy of Object.keys(keyOf) as CostGroupBy[]) {
      it(`groups provider calls by ${groupBy}`, async () => {
        const expected = new Map<string | null, { cost: number; calls: number; unpriced: number; input: number; traces: Set<string> }>();
        for (const s of providerSpans()) {
          const key = keyOf[groupBy](s);
          const row = expected.get(key) ?? { cost: 0, calls: 0, unpriced: 0, input: 0, traces: new Set<string>() };
          const cost = s.attributes[CostAttributes.USD] as number | undefined;
          row.cost += cost ?? 0;
          row.calls += 1;
          row.unpriced += cost === undefined ? 1 : 0;
          row.input += (s.attributes[GenAiAttributes.USAGE_INPUT_TOKENS] as number | undefined) ?? 0;
          row.traces.add(traceIdOf(s));
          expected.set(key, row);
        }
        const report = await traced.service.costReport({ groupBy });
        assert.equal(report.groupBy, groupBy);
        assert.deepEqual(report.rows.map((r) => r.key).sort(), [...expected.keys()].sort());
        for (const row of report.rows) {
          const want = expected.get(row.key)!;
          assert.ok(Math.abs(row.costUsd - want.cost) < 1e-12, `${groupBy} ${row.key} cost`);
          assert.equal(row.llmCalls, want.calls);
          assert.equal(row.unpricedCalls, want.unpriced);
          assert.equal(row.inputTokens, want.input);
          assert.equal(row.traces, want.traces.size);
        }
        assert.equal(report.total.llmCalls, providerSpans().length);
        assert.ok(Math.abs(report.total.costUsd - report.rows.reduce((sum, r) => sum + r.costUsd, 0)) < 1e-12);
      });
    }

    it('orders by cost and defaults to grouping by model', async () => {
      const report = await traced.service.costReport();
      assert.equal(report.groupBy, 'model');
      for (let i = 1; i < report.rows.length; i++) assert.ok(report.rows[i - 1]!.costUsd >= report.rows[i]!.costUsd);
    });

    it('is empty outside the time window and rejects a bad groupBy', async () => {
      const report = await traced.service.costReport({ groupBy: 'user', since: Date.now() + 60_000 });
      assert.deepEqual(report.rows, []);
      assert.deepEqual(report.total, { costUsd: 0, inputTokens: 0, outputTokens: 0, llmCalls: 0, unpricedCalls: 0, unsampledCalls: 0, traces: 0 });
      await assert.rejects(() => traced.service.costReport({ groupBy: 'country' as CostGroupBy }), (e: unknown) => e instanceof TraceQueryError && e.message.includes('groupBy="country"'));
      await assert.rejects(() => traced.service.costReport({ limit: 5000 }), TraceQueryError);
    });
  });

  describe('slowest', () => {
    const nearestRank = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.ceil(p * values.length) - 1]!;
    /** A percentile of the pre-aggregated report: an observed duration at most one histogram bin (9%) above the exact one. */
    const withinBin = (reported: number, exact: number) => reported >= exact - 1e-9 && reported <= exact * 2 ** (1 / 8) + 1e-9;

    it('reports p50/p95/max of node types, providers and models', async () => {
      const report = await traced.service.slowest();
      const nodeSpans = spans.filter((s) => s.attributes[WorkflowAttributes.NODE_TYPE] !== undefined);
      const byType = new Map<string, ReadableSpan[]>();
      for (const s of nodeSpans) {
        const type = s.attributes[WorkflowAttributes.NODE_TYPE] as string;
        byType.set(type, [...(byType.get(type) ?? []), s]);
      }
      assert.deepEqual(report.nodes.map((r) => r.key).sort(), [...byType.keys()].sort());
      for (const row of report.nodes) {
        const durations = byType.get(row.key)!.map((s) => hrTimeToMilliseconds(s.duration));
        assert.equal(row.count, durations.length);
        assert.equal(row.detail, 'node');
        assert.ok(withinBin(row.p50Ms, nearestRank(durations, 0.5)), `${row.key} p50 ${row.p50Ms} vs ${nearestRank(durations, 0.5)}`);
        assert.ok(withinBin(row.p95Ms, nearestRank(durations, 0.95)), `${row.key} p95 ${row.p95Ms} vs ${nearestRank(durations, 0.95)}`);
        assert.ok(durations.some((d) => Math.abs(d - row.p50Ms) < 1e-9), 'an observed duration');
        assert.ok(Math.abs(row.avgMs - durations.reduce((a, b) => a + b, 0) / durations.length) < 1e-9);
        assert.ok(Math.abs(row.maxMs - Math.max(...durations)) < 1e-9);
        assert.equal(row.errorCount, byType.get(row.key)!.filter((s) => s.status.code === SpanStatusCode.ERROR).length);
      }
      for (let i = 1; i < report.nodes.length; i++) assert.ok(report.nodes[i - 1]!.p95Ms >= report.nodes[i]!.p95Ms);
      assert.deepEqual(report.providers.map((r) => r.key).sort(), ['anthropic', 'openai']);
      assert.deepEqual(report.models.map((r) => [r.key, r.detail]).sort(), [['claude-haiku', 'anthropic'], ['gpt-4o-mini', 'openai']]);
      const openai = spans.filter((s) => s.attributes[GenAiAttributes.PROVIDER_NAME] === 'openai');
      assert.equal(report.providers.find((r) => r.key === 'openai')!.count, openai.length);
    });

    it('honours the time window and limit', async () => {
      const empty = await traced.service.slowest({ until: 1000 });
      assert.deepEqual([empty.nodes, empty.providers, empty.models], [[], [], []]);
      assert.equal((await traced.service.slowest({ limit: 1 })).nodes.length, 1);
      await assert.rejects(() => traced.service.slowest({ groupBy: 'user' } as never), TraceQueryError);
    });
  });

  describe('errorSummary and stats', () => {
    it('groups failed spans by error.type', async () => {
      const summary = await traced.service.errorSummary({ since: '1d' });
      const failed = spans.filter((s) => s.attributes['error.type'] === 'RateLimitError');
      assert.equal(summary.rows.length, 1);
      const [row] = summary.rows;
      assert.equal(row!.errorType, 'RateLimitError');
      assert.equal(row!.spans, failed.length);
      assert.equal(row!.traces, 1);
      assert.equal(row!.lastTraceId, failedTraceId);
      assert.equal(row!.lastMessage, '429 rate limited');
      assert.deepEqual((await traced.service.errorSummary({ until: 1000 })).rows, []);
    });

    it('counts rows and processor activity', async () => {
      const stats = await traced.service.stats();
      assert.equal(stats.traces, all.length);
      assert.equal(stats.spans, spans.length + 1);
      assert.equal(stats.dropped, 0);
      assert.equal(stats.written, spans.length + 1);
    });

    it('throws a clear error when the store is off', async () => {
      const off = new TraceStoreService(null);
      assert.equal(off.enabled, false);
      await assert.rejects(() => off.listTraces(), { message: storeDisabled() });
    });
  });
});
