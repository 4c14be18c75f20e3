import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createResearchWorkflow, ResearchWorkflow } from './fixtures/demo-workflow.js';
import { openTracedStoreOn, STORE_DRIVERS, type TracedStore } from './support/store-harness.js';
import { tempDir } from '../support/temp-dir.js';

const DAY_MS = 86_400_000;

/** What the store does the same way on SQLite and PostgreSQL: the write path, its counters and retention. */
for (const driver of STORE_DRIVERS) describe(`TraceStore writes and retention (${driver})`, () => {
  let tmp: ReturnType<typeof tempDir>;
  let traced: TracedStore | undefined;

  beforeEach(() => {
    tmp = tempDir('ai-tracing-store');
  });

  afterEach(async () => {
    await traced?.close();
    traced = undefined;
    tmp.cleanup();
  });

  it('builds the trace row whatever order its spans arrive in', async () => {
    traced = await openTracedStoreOn(driver, tmp.path);
    const { tracer } = traced;
    // Root ends first, its child later (fire-and-forget work).
    const root = tracer.startSpan('root first');
    const child = tracer.startSpan('late child', {}, trace.setSpan(context.active(), root));
    root.setStatus({ code: SpanStatusCode.OK });
    root.end();
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    child.end();
    // Children only: the root never reaches the store.
    const lostRoot = tracer.startSpan('lost root');
    const orphan = tracer.startSpan('orphan', {}, trace.setSpan(context.active(), lostRoot));
    orphan.end();
    await traced.flush();

    const byName = new Map((await traced.service.listTraces()).traces.map((t) => [t.name, t]));
    const first = byName.get('root first')!;
    assert.equal(first.status, 'ok');
    assert.equal(first.rootSpanId, root.spanContext().spanId);
    assert.equal(first.spanCount, 2);
    assert.equal(first.errorCount, 1);
    assert.equal(first.errorType, 'error');
    const partial = byName.get('orphan')!;
    assert.equal(partial.rootSpanId, null);
    assert.equal(partial.status, 'unset');
    assert.deepEqual((await traced.service.getTrace(partial.traceId))!.roots.map((r) => r.name), ['orphan']);

    lostRoot.end();
    await traced.flush();
    const completed = (await traced.service.getTrace(partial.traceId))!;
    assert.equal(completed.trace.name, 'lost root');
    assert.equal(completed.trace.spanCount, 2);
    assert.deepEqual(completed.roots.map((r) => [r.name, r.children.map((c) => c.name)]), [['lost root', ['orphan']]]);
  });

  it('prunes by age (traces with their spans, cost rows) and by count, oldest first', async () => {
    traced = await openTracedStoreOn(driver, tmp.path, { retentionDays: 7, maxTraces: 3 });
    const { tracer } = traced;
    const now = Date.now();
    const old = tracer.startSpan('old', { startTime: now - 8 * DAY_MS });
    tracer.startSpan('old child', { startTime: now - 8 * DAY_MS }, trace.setSpan(context.active(), old)).end(now - 8 * DAY_MS + 5);
    old.end(now - 8 * DAY_MS + 10);
    for (let i = 0; i < 5; i++) tracer.startSpan(`recent ${i}`, { startTime: now - (10 - i) * 1000 }).end(now - (10 - i) * 1000 + 1);
    await traced.flush();
    await traced.store.prune();
    assert.deepEqual((await traced.service.listTraces({ since: 0 })).traces.map((t) => t.name), ['recent 4', 'recent 3', 'recent 2']);
    assert.equal((await traced.store.stats()).spans, 3, 'the spans of pruned traces go with them');
  });

  it('stores at most maxSpansPerTrace spans of a trace and counts the rest on its row', async () => {
    traced = await openTracedStoreOn(driver, tmp.path, { maxSpansPerTrace: 5 }, { batchSize: 4 });
    const root = traced.tracer.startSpan('held');
    for (let i = 0; i < 12; i++) traced.tracer.startSpan(`child ${i}`, {}, trace.setSpan(context.active(), root)).end();
    root.end();
    await traced.flush();
    const [summary] = (await traced.service.listTraces()).traces;
    assert.equal(summary!.storedSpans, 5);
    assert.equal(summary!.spanCount, 13);
    assert.equal(summary!.name, 'held', 'the root names the trace even past the cap');
    const stats = await traced.store.stats();
    assert.equal(stats.spans, 5);
    assert.equal(stats.overCap, 8);
    assert.equal(stats.spansOverCap, 8);
  });

  it('loses nothing from 1,000 concurrent workflows', async () => {
    traced = await openTracedStoreOn(driver, tmp.path);
    const workflow = createResearchWorkflow();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => traced!.as({ userId: `user-${i % 10}` }, () => workflow.run({ topic: `t${i}` }))));
    await traced.flush();

    const spansIn = traced.finished().length;
    assert.equal(spansIn, 1000 * ResearchWorkflow.SPANS_PER_RUN);
    const stats = await traced.store.stats();
    assert.equal(stats.spans, spansIn);
    assert.equal(stats.traces, 1000);
    assert.equal(stats.written, spansIn);
    assert.equal(stats.dropped, 0);
    const complete = await traced.service.listTraces({ limit: 500 });
    assert.ok(complete.traces.every((t) => t.spanCount === ResearchWorkflow.SPANS_PER_RUN && t.rootSpanId !== null));
    assert.equal((await traced.service.costReport({ groupBy: 'user' })).rows.length, 10);
  });

});
