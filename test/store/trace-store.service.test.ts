import { SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AttributionAttributes, CostAttributes, GenAiAttributes, WorkflowAttributes } from '../../lib/semconv.js';
import type { CostGroupBy, TraceSummary } from '../../lib/store/trace-query.types.js';
import { TraceQueryError } from '../../lib/store/trace-query.validation.js';
import { TraceStoreService } from '../../lib/store/trace-store.service.js';
import { storeDisabled } from '../../lib/tracing.messages.js';
import { createResearchWorkflow, RateLimitError } from './fixtures/demo-workflow.js';
import { openTracedStore, tempDir, traceIdOf, type TracedStore } from './support/store-harness.js';

const RUNS = [
  { user: 'alice', tenant: 'acme' },
  { user: 'alice', tenant: 'acme' },
  { user: 'alice', tenant: 'acme' },
  { user: 'bob', tenant: 'globex' },
  { user: 'bob', tenant: 'globex', fail: true },
  { user: undefined, tenant: undefined },
] as const;

describe('TraceStoreService', () => {
  const tmp = tempDir();
  let traced: TracedStore;
  let all: TraceSummary[];
  let failedTraceId: string;
  let spans: ReadableSpan[];

  before(async () => {
    traced = openTracedStore(join(tmp.dir, 'traces.db'));
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
    all = traced.service.listTraces({ limit: 500 }).traces;
  });

  after(async () => {
    await traced.close();
    tmp.remove();
  });

  const ids = (traces: TraceSummary[]) => traces.map((t) => t.traceId);
  const list = (query: Parameters<TraceStoreService['listTraces']>[0]) => traced.service.listTraces(query).traces;

  describe('listTraces', () => {
    it('lists every trace, newest first', () => {
      assert.equal(all.length, RUNS.length + 2);
      assert.equal(traced.service.listTraces().total, RUNS.length + 2);
      for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.startMs >= all[i]!.startMs);
    });

    it('filters by user, workflow, service and status', () => {
      assert.equal(list({ user: 'alice' }).length, 3);
      assert.ok(list({ user: 'alice' }).every((t) => t.userId === 'alice'));
      assert.equal(list({ workflow: 'research' }).length, RUNS.length);
      assert.deepEqual(list({ service: 'billing' }).map((t) => t.name), ['charge card']);
      assert.equal(list({ service: 'research-api' }).length, RUNS.length + 1);
      assert.deepEqual(ids(list({ status: 'error' })), [failedTraceId]);
      assert.deepEqual(list({ status: 'ok' }).map((t) => t.name), ['cleanup 100%']);
      assert.equal(list({ status: 'unset' }).length, RUNS.length);
    });

    it('filters by errors, duration and combinations', () => {
      assert.deepEqual(ids(list({ hasError: true })), [failedTraceId]);
      assert.equal(list({ hasError: false }).length, all.length - 1);
      assert.deepEqual(ids(list({ user: 'bob', hasError: true })), [failedTraceId]);
      assert.deepEqual(list({ user: 'alice', hasError: true }), []);
      const threshold = [...all].sort((a, b) => a.durationMs - b.durationMs)[Math.floor(all.length / 2)]!.durationMs;
      assert.deepEqual(ids(list({ minDurationMs: threshold })), ids(all.filter((t) => t.durationMs >= threshold)));
    });

    it('filters by text in the name, treating % and _ literally', () => {
      assert.equal(list({ name: 'RESEARCH' }).length, RUNS.length);
      assert.deepEqual(list({ name: '100%' }).map((t) => t.name), ['cleanup 100%']);
      assert.deepEqual(list({ name: '%' }).map((t) => t.name), ['cleanup 100%']);
      assert.deepEqual(list({ name: '1_0' }), []);
    });

    it('filters by time range (Date, epoch ms, ISO text, relative duration)', () => {
      const middle = all[Math.floor(all.length / 2)]!;
      assert.deepEqual(ids(list({ until: middle.startMs })), ids(all.filter((t) => t.startMs < middle.startMs)));
      assert.deepEqual(ids(list({ since: new Date(middle.startMs) })), ids(all.filter((t) => t.startMs >= middle.startMs)));
      assert.deepEqual(ids(list({ since: new Date(middle.startMs).toISOString().replace(/\.\d+Z$/, 'Z') })), ids(all.filter((t) => t.startMs >= Math.floor(middle.startMs / 1000) * 1000)));
      assert.equal(list({ since: '1h' }).length, all.length);
      assert.deepEqual(list({ since: Date.now() + 60_000 }), []);
    });

    it('pages with a cursor and with offsets', () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = traced.service.listTraces({ limit: 3, cursor });
        assert.equal(page.total, all.length);
        seen.push(...ids(page.traces));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor);
      assert.deepEqual(seen, ids(all));
      assert.equal(pages, Math.ceil(all.length / 3));
      assert.deepEqual(ids(list({ limit: 2, offset: 2 })), ids(all.slice(2, 4)));
    });

    it('accepts raw query strings as the explorer passes them', () => {
      const page = traced.service.listTraces({ hasError: 'true', limit: '5', user: 'bob', minDurationMs: '0', since: '', status: '' });
      assert.deepEqual(ids(page.traces), [failedTraceId]);
      assert.equal(traced.service.listTraces({ hasError: '0' }).total, all.length - 1);
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
      it(`rejects ${label} with a TraceQueryError naming ${field}`, () => {
        assert.throws(
          () => traced.service.listTraces(query as never),
          (error: unknown) => error instanceof TraceQueryError && error.message.startsWith(`nestjs-ai-tracing: invalid query parameter ${field}=`),
        );
      });
    }

    it('binds every value: SQL in a filter is just text', () => {
      assert.deepEqual(list({ user: "' OR 1=1 --" }), []);
      assert.deepEqual(list({ name: "'; DROP TABLE traces; --" }), []);
      assert.equal(traced.service.listTraces().total, all.length);
    });
  });

  describe('getTrace and parallelGroups', () => {
    it('returns null for an unknown trace and rejects a malformed id', () => {
      assert.equal(traced.service.getTrace('0123456789abcdef0123456789abcdef'), null);
      assert.equal(traced.service.parallelGroups('0123456789abcdef0123456789abcdef'), null);
      for (const bad of ['xyz', '0'.repeat(32), `${'a'.repeat(32)}' OR '1'='1`]) {
        assert.throws(() => traced.service.getTrace(bad), (e: unknown) => e instanceof TraceQueryError && e.message.includes('traceId='));
      }
    });

    it('accepts an upper-case trace id', () => {
      const tree = traced.service.getTrace(failedTraceId.toUpperCase())!;
      assert.equal(tree.trace.traceId, failedTraceId);
      assert.equal(tree.trace.errorType, 'RateLimitError');
      const failedCall = tree.roots[0]!.children.flatMap((c) => c.children).find((s) => s.status === 'error')!;
      assert.equal(failedCall.statusMessage, '429 rate limited');
      assert.ok(failedCall.events.some((e) => e.name === 'exception' && e.attributes?.['exception.message'] === '429 rate limited'));
    });

    it('finds the nodes that ran in parallel under the workflow', () => {
      const traceId = ids(list({ user: 'alice' }))[0]!;
      const groups = traced.service.parallelGroups(traceId)!;
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
    const providerSpans = () => spans.filter((s) => s.attributes[GenAiAttributes.PROVIDER_NAME] !== undefined);
    const keyOf: Record<CostGroupBy, (s: ReadableSpan) => string | null> = {
      user: (s) => (s.attributes[AttributionAttributes.USER_ID] as string | undefined) ?? null,
      tenant: (s) => (s.attributes[AttributionAttributes.TENANT_ID] as string | undefined) ?? null,
      workflow: () => 'research',
      provider: (s) => s.attributes[GenAiAttributes.PROVIDER_NAME] as string,
      model: (s) => s.attributes[GenAiAttributes.REQUEST_MODEL] as string,
      day: (s) => new Date(hrTimeToMilliseconds(s.startTime)).toISOString().slice(0, 10),
    };

    for (const groupBy of Object.keys(keyOf) as CostGroupBy[]) {
      it(`groups provider calls by ${groupBy}`, () => {
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
        const report = traced.service.costReport({ groupBy });
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

    it('orders by cost and defaults to grouping by model', () => {
      const report = traced.service.costReport();
      assert.equal(report.groupBy, 'model');
      for (let i = 1; i < report.rows.length; i++) assert.ok(report.rows[i - 1]!.costUsd >= report.rows[i]!.costUsd);
    });

    it('is empty outside the time window and rejects a bad groupBy', () => {
      const report = traced.service.costReport({ groupBy: 'user', since: Date.now() + 60_000 });
      assert.deepEqual(report.rows, []);
      assert.deepEqual(report.total, { costUsd: 0, inputTokens: 0, outputTokens: 0, llmCalls: 0, unpricedCalls: 0, traces: 0 });
      assert.throws(() => traced.service.costReport({ groupBy: 'country' as CostGroupBy }), (e: unknown) => e instanceof TraceQueryError && e.message.includes('groupBy="country"'));
      assert.throws(() => traced.service.costReport({ limit: 5000 }), TraceQueryError);
    });
  });

  describe('slowest', () => {
    const nearestRank = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.ceil(p * values.length) - 1]!;

    it('reports p50/p95/max of node types, providers and models', () => {
      const report = traced.service.slowest();
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
        assert.ok(Math.abs(row.p50Ms - nearestRank(durations, 0.5)) < 1e-9);
        assert.ok(Math.abs(row.p95Ms - nearestRank(durations, 0.95)) < 1e-9);
        assert.ok(Math.abs(row.maxMs - Math.max(...durations)) < 1e-9);
        assert.equal(row.errorCount, byType.get(row.key)!.filter((s) => s.status.code === SpanStatusCode.ERROR).length);
      }
      for (let i = 1; i < report.nodes.length; i++) assert.ok(report.nodes[i - 1]!.p95Ms >= report.nodes[i]!.p95Ms);
      assert.deepEqual(report.providers.map((r) => r.key).sort(), ['anthropic', 'openai']);
      assert.deepEqual(report.models.map((r) => [r.key, r.detail]).sort(), [['claude-haiku', 'anthropic'], ['gpt-4o-mini', 'openai']]);
      const openai = spans.filter((s) => s.attributes[GenAiAttributes.PROVIDER_NAME] === 'openai');
      assert.equal(report.providers.find((r) => r.key === 'openai')!.count, openai.length);
    });

    it('honours the time window and limit', () => {
      const empty = traced.service.slowest({ until: 1000 });
      assert.deepEqual([empty.nodes, empty.providers, empty.models], [[], [], []]);
      assert.equal(traced.service.slowest({ limit: 1 }).nodes.length, 1);
      assert.throws(() => traced.service.slowest({ groupBy: 'user' } as never), TraceQueryError);
    });
  });

  describe('errorSummary and stats', () => {
    it('groups failed spans by error.type', () => {
      const summary = traced.service.errorSummary({ since: '1d' });
      const failed = spans.filter((s) => s.attributes['error.type'] === 'RateLimitError');
      assert.equal(summary.rows.length, 1);
      const [row] = summary.rows;
      assert.equal(row!.errorType, 'RateLimitError');
      assert.equal(row!.spans, failed.length);
      assert.equal(row!.traces, 1);
      assert.equal(row!.lastTraceId, failedTraceId);
      assert.equal(row!.lastMessage, '429 rate limited');
      assert.deepEqual(traced.service.errorSummary({ until: 1000 }).rows, []);
    });

    it('counts rows and processor activity', () => {
      const stats = traced.service.stats();
      assert.equal(stats.traces, all.length);
      assert.equal(stats.spans, spans.length + 1);
      assert.equal(stats.dropped, 0);
      assert.equal(stats.written, spans.length + 1);
    });

    it('throws a clear error when the store is off', () => {
      const off = new TraceStoreService(null);
      assert.equal(off.enabled, false);
      assert.throws(() => off.listTraces(), { message: storeDisabled() });
    });
  });
});
