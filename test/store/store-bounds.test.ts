import { context, trace, TraceFlags } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { runInSpan } from '../../lib/core/span-engine.js';
import type { TracingSdk } from '../../lib/sdk/tracing-sdk.js';
import { TracingService } from '../../lib/tracing.service.js';
import { TRUNCATED_ATTRIBUTE } from '../../lib/store/row-limits.js';
import { SPANS_PER_BATCH } from '../../lib/store/write/store-retention.js';
import { createResearchWorkflow, ResearchWorkflow } from './fixtures/demo-workflow.js';
import { bulkFill, BULK_COST_ROWS_PER_TRACE, BULK_SPANS_PER_TRACE } from './support/bulk-fill.js';
import { openTracedStore, tempDir, traceIdOf, type TracedStore } from './support/store-harness.js';

const MB = 1024 * 1024;
const DAY_MS = 86_400_000;

/** A context whose parent is a remote span of `traceId`, sampled or not: what a `traceparent` header gives. */
function remoteParent(traceId: string, sampled: boolean) {
  return trace.setSpanContext(context.active(), {
    traceId,
    spanId: 'a1b2c3d4e5f60718',
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

const count = (traced: TracedStore, table: string) => traced.store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number };

describe('store bounds', () => {
  let tmp: ReturnType<typeof tempDir>;
  let path: string;
  let traced: TracedStore | undefined;

  beforeEach(() => {
    tmp = tempDir();
    path = join(tmp.dir, 'traces.db');
  });

  afterEach(async () => {
    await traced?.close();
    traced = undefined;
    tmp.remove();
  });

  it('stores at most maxSpansPerTrace spans of one trace and sums the rest on its row', async () => {
    traced = openTracedStore(path, { maxSpansPerTrace: 20 });
    const workflow = createResearchWorkflow();
    const traceId = 'f'.repeat(32);
    // One client holding one traceparent: every run lands in the same trace.
    for (let i = 0; i < 10; i++) await context.with(remoteParent(traceId, true), () => traced!.as({ userId: 'mallory' }, () => workflow.run()));
    await traced.flush();

    const seen = ResearchWorkflow.SPANS_PER_RUN * 10;
    const [summary] = (await traced.service.listTraces()).traces;
    assert.equal(summary!.traceId, traceId);
    assert.equal(summary!.spanCount, seen);
    assert.equal(summary!.storedSpans, 20);
    assert.equal(summary!.llmCalls, 30, 'calls past the cap still count on the trace');
    const finishedCost = traced.finished().reduce((sum, s) => sum + Number(s.attributes['cost.usd'] ?? 0), 0);
    assert.ok(Math.abs(summary!.costUsd - finishedCost) < 1e-12, 'and so does their cost');
    assert.equal(count(traced, 'spans').n, 20);
    assert.deepEqual((await traced.store.stats()).overCap, seen - 20);

    const tree = (await traced.service.getTrace(traceId))!;
    assert.deepEqual(tree.page, { offset: 0, shown: 20, stored: 20, total: seen, nextOffset: null });
    const costs = await traced.service.costReport({ groupBy: 'user' });
    assert.deepEqual(
      costs.rows.map((r) => [r.key, r.llmCalls]),
      [['mallory', 30]],
      'the cost report counts every call, stored or not',
    );
  });

  it('keeps each span small: attributes and events past 32 KB are shortened and marked', async () => {
    traced = openTracedStore(path);
    runInSpan({ name: 'huge', role: 'manual', attributes: { prompt: 'x'.repeat(200_000), small: 'kept' } }, () => {
      for (let i = 0; i < 100; i++) trace.getActiveSpan()!.addEvent('chunk', { text: 'y'.repeat(2000) });
    });
    await traced.flush();
    const row = traced.store.db.prepare('SELECT length(attributes) AS a, length(events) AS e FROM spans').get() as { a: number; e: number };
    assert.ok(row.a <= 32 * 1024 && row.e <= 32 * 1024, JSON.stringify(row));
    const [summary] = (await traced.service.listTraces()).traces;
    const [span] = (await traced.service.getTrace(summary!.traceId))!.roots;
    assert.equal(span!.attributes[TRUNCATED_ATTRIBUTE], true);
    assert.equal(span!.attributes.small, 'kept');
    assert.match(String(span!.attributes.prompt), /^x{1024}…\[truncated by the trace store\]$/);
    assert.equal(span!.events.at(-1)!.name, 'nestjs_ai_tracing.store.events_dropped');
  });

  it('keeps the database under maxSizeMb, deleting the oldest traces', async () => {
    traced = openTracedStore(path, { maxSizeMb: 4 }, { batchSize: 64, flushDelayMillis: 1 });
    const blob = 'z'.repeat(3000);
    let firstTraceId: string | undefined;
    for (let i = 0; i < 4000; i++) {
      runInSpan({ name: `request ${i}`, role: 'manual', attributes: { blob } }, () => {
        firstTraceId ??= trace.getActiveSpan()!.spanContext().traceId;
      });
      // Written and checked batch by batch, with turns of the event loop between them, as under load.
      if (i % 64 === 63) {
        await traced.flush();
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await traced.flush();
    await traced.store.prune();
    const stats = await traced.store.stats();
    assert.ok(stats.sizeBytes <= 4 * MB, `${stats.sizeBytes} bytes in use`);
    assert.ok(statSync(path).size <= 4 * MB, `file of ${statSync(path).size} bytes`);
    assert.ok(stats.traces < 4000 && stats.traces > 500, `${stats.traces} traces kept`);
    assert.equal((await traced.service.listTraces({ name: 'request 3999' })).total, 1, 'the newest traces stay');
    assert.equal(await traced.service.getTrace(firstTraceId!), null, 'the oldest went first');
  });

  it('writes a cost row of its kind for a cost that is not tokens, sampled or not', async () => {
    traced = openTracedStore(path);
    // recordCost reads only the engine's runtime (installed by the harness), not the SDK handle.
    const tracing = new TracingService(undefined as unknown as TracingSdk, traced.store);
    const spend = () => runInSpan({ name: 'render', role: 'tool' }, () => tracing.recordCost({ usd: 0.04, kind: 'image' }));
    traced.as({ userId: 'mallory' }, () => context.with(remoteParent('2'.repeat(32), false), spend));
    traced.as({ userId: 'alice' }, spend);
    await traced.flush();
    const byKind = await traced.service.costReport({ groupBy: 'kind' });
    assert.deepEqual(
      byKind.rows.map((r) => [r.key, Math.round(r.costUsd * 100) / 100, r.llmCalls, r.traces]),
      [['image', 0.08, 0, 2]],
      'not LLM calls, but cost',
    );
    const byUser = await traced.service.costReport({ groupBy: 'user' });
    assert.deepEqual(byUser.rows.map((r) => r.key).sort(), ['alice', 'mallory']);
  });

  it('deletes cost rows by size too, oldest first, once no trace is left to delete', async () => {
    traced = openTracedStore(path, { maxSizeMb: 1 });
    await traced.store.prune();
    const now = Date.now();
    traced.store.db
      .prepare(
        `WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 29999)
         INSERT INTO cost_calls (at_ms, trace_id, sampled, user_id, provider, model, cost_usd, input_tokens, output_tokens)
         SELECT ? + i, printf('%032x', i), 0, 'user-' || (i % 50), 'openai', 'gpt-4o-mini', 0.0001, 100, 20 FROM seq`,
      )
      .run(now - 60_000);
    assert.ok((await traced.store.stats()).sizeBytes > MB);
    await traced.store.prune();
    const stats = await traced.store.stats();
    assert.ok(stats.sizeBytes <= MB, `${stats.sizeBytes} bytes in use`);
    assert.ok(stats.costRows > 0 && stats.costRows < 30_000, `${stats.costRows} cost rows kept`);
    const oldest = traced.store.db.prepare('SELECT MIN(at_ms) AS t FROM cost_calls').get() as { t: number };
    assert.equal(oldest.t, now - 60_000 + 30_000 - stats.costRows, 'the newest rows stay');
  });

  it('prunes in bounded batches, letting the event loop run between them', async () => {
    traced = openTracedStore(path, { maxTraces: 100 });
    await traced.store.prune(); // the run at open, on the empty store
    bulkFill(traced.store.db, 2000);
    const spans = count(traced, 'spans').n;
    assert.equal(spans, 2000 * BULK_SPANS_PER_TRACE);
    const batches = Math.ceil((spans - 100 * BULK_SPANS_PER_TRACE) / SPANS_PER_BATCH);
    assert.ok(batches >= 3);

    let turns = 0;
    let pruneDone = false;
    const pruning = traced.store.prune().then((n) => ((pruneDone = true), n));
    // Count the turns of the event loop that ran while the prune was in progress.
    await new Promise<void>((resolve) => {
      const tick = () => (pruneDone ? resolve() : (turns++, setImmediate(tick)));
      setImmediate(tick);
    });
    assert.equal(await pruning, 1900);
    assert.ok(turns >= batches - 1, `${turns} turns for ${batches} batches`);
    assert.equal(count(traced, 'traces').n, 100);
    assert.equal(count(traced, 'spans').n, 100 * BULK_SPANS_PER_TRACE);
    assert.equal(count(traced, 'cost_calls').n, 2000 * BULK_COST_ROWS_PER_TRACE, 'the trace count bound keeps every cost row');
  });

  it('prunes cost rows and latency histograms by age too', async () => {
    traced = openTracedStore(path, { retentionDays: 1 });
    const now = Date.now();
    bulkFill(traced.store.db, 50, { now: now - 2 * DAY_MS, windowMs: 3_600_000 });
    bulkFill(traced.store.db, 50, { now, windowMs: 3_600_000, firstTrace: 50 });
    await traced.store.prune(now);
    assert.equal(count(traced, 'traces').n, 50);
    assert.equal(count(traced, 'cost_calls').n, 50 * BULK_COST_ROWS_PER_TRACE);
    const oldest = traced.store.db.prepare('SELECT MIN(bucket_ms) AS t FROM latency_rollup').get() as { t: number };
    assert.ok(oldest.t >= now - DAY_MS - 300_000);
  });

  it('writes a cost row for every provider call, sampled or not', async () => {
    traced = openTracedStore(path);
    const workflow = createResearchWorkflow();
    await context.with(remoteParent('1'.repeat(32), false), () => traced!.as({ userId: 'dodger' }, () => workflow.run()));
    await traced!.as({ userId: 'payer' }, () => workflow.run());
    await traced.flush();

    assert.deepEqual(
      (await traced.service.listTraces()).traces.map((t) => t.userId),
      ['payer'],
      'the unsampled trace is not stored',
    );
    const report = await traced.service.costReport({ groupBy: 'user' });
    const byUser = new Map(report.rows.map((r) => [r.key, r]));
    assert.equal(byUser.get('dodger')!.llmCalls, 3);
    assert.equal(byUser.get('dodger')!.unsampledCalls, 3);
    assert.ok(Math.abs(byUser.get('dodger')!.costUsd - byUser.get('payer')!.costUsd) < 1e-12, 'both runs cost the same');
    assert.equal(byUser.get('payer')!.unsampledCalls, 0);
    assert.equal(report.total.unsampledCalls, 3);
    const stats = await traced.store.stats();
    assert.equal(stats.costRows, 6);
    assert.equal(traceIdOf(traced.finished()[0]!), traceIdOf(traced.finished().at(-1)!), 'only the sampled run was exported');
  });
});
