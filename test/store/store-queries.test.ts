import { context, trace, type Span } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TraceQueryTimeoutError } from '../../lib/store/query/store-query.js';
import { loadSqliteDriver } from '../../lib/store/sqlite-driver.js';
import { TraceQueryError } from '../../lib/store/trace-query.validation.js';
import { TraceStore } from '../../lib/store/trace-store.js';
import { migrate, SCHEMA_VERSION } from '../../lib/store/trace-store.schema.js';
import { TraceStoreService } from '../../lib/store/trace-store.service.js';
import { flattenTree } from '../../lib/store/trace-tree.js';
import { createResearchWorkflow } from './fixtures/demo-workflow.js';
import { openTracedStore, openTracedStoreOn, STORE_DRIVERS, tempDir, testConfig, type TracedStore } from './support/store-harness.js';

/** Raw query parameters as the explorer builds them: a prototype-less object. */
function params(entries: Record<string, string>): Record<string, string> {
  return Object.assign(Object.create(null) as Record<string, string>, entries);
}

for (const driver of STORE_DRIVERS) describe(`store queries (${driver})`, () => {
  const tmp = tempDir();
  let traced: TracedStore;
  let chainTraceId: string;
  let wideTraceId: string;

  before(async () => {
    traced = await openTracedStoreOn(driver, tmp.dir, { maxSpansPerTrace: 2000 });
    // A chain of 1,200 spans, each the child of the previous one: as deep as a trace gets.
    let parent: Span = traced.tracer.startSpan('chain 0');
    chainTraceId = parent.spanContext().traceId;
    const chain = [parent];
    for (let i = 1; i < 1200; i++) {
      parent = traced.tracer.startSpan(`chain ${i}`, { startTime: Date.now() + i }, trace.setSpan(context.active(), parent));
      chain.push(parent);
    }
    for (const span of chain.reverse()) span.end();
    // 700 siblings of 8 KB attributes each: more than one page by count and by size.
    const root = traced.tracer.startSpan('wide');
    wideTraceId = root.spanContext().traceId;
    for (let i = 0; i < 700; i++) {
      traced.tracer.startSpan(`child ${i}`, { startTime: Date.now() + i, attributes: { blob: 'b'.repeat(8000) } }, trace.setSpan(context.active(), root)).end();
    }
    root.end();
    await traced.flush();
  });

  after(async () => {
    await traced.close();
    tmp.remove();
  });

  it('pages a deep trace: 500 spans by default, nested as deep as they go, serialisable', async () => {
    const first = (await traced.service.getTrace(chainTraceId))!;
    assert.deepEqual(first.page, { offset: 0, shown: 500, stored: 1200, total: 1200, nextOffset: 500 });
    assert.equal(flattenTree(first.roots).length, 500);
    assert.equal(first.roots.length, 1);
    const last = (await traced.service.getTrace(chainTraceId, { offset: 1000, limit: 1000 }))!;
    assert.deepEqual(last.page, { offset: 1000, shown: 200, stored: 1200, total: 1200, nextOffset: null });
    const biggest = (await traced.service.getTrace(chainTraceId, { limit: 1000 }))!;
    assert.ok(JSON.stringify(biggest).length > 0, 'the largest page (1,000 nested spans) still serialises');
  });

  it('keeps a page of large spans under 2 MB of attributes, showing fewer spans', async () => {
    const page = (await traced.service.getTrace(wideTraceId, { limit: 1000 }))!;
    assert.ok(page.page.shown < 300, `${page.page.shown} spans`);
    assert.equal(page.page.nextOffset, page.page.shown);
    assert.ok(JSON.stringify(page).length < 2.2 * 1024 * 1024);
  });

  it('refuses pages past the bounds', async () => {
    await assert.rejects(() => traced.service.getTrace(chainTraceId, { limit: 1001 }), TraceQueryError);
    await assert.rejects(() => traced.service.getTrace(chainTraceId, params({ offset: '-1' })), TraceQueryError);
    await assert.rejects(() => traced.service.getTrace(chainTraceId, params({ depth: '3' })), TraceQueryError);
  });

  it('refuses __proto__ like any unknown parameter, and control characters in text', async () => {
    for (const query of [params({ ['__proto__']: '1' }), params({ constructor: 'x' })]) {
      await assert.rejects(
        () => traced.service.listTraces(query),
        (e: unknown) => e instanceof TraceQueryError && e.message.startsWith('nestjs-ai-tracing: invalid query parameter'),
      );
    }
    await assert.rejects(() => traced.service.listTraces(params({ name: '\u0000' })), /name="\\u0000": expected a string of at most 200 characters without control characters/);
    await assert.rejects(() => traced.service.costReport(params({ ['__proto__']: '1' })), TraceQueryError);
    assert.equal((await traced.service.listTraces(params({ name: 'chain 1199' }))).total, 0, 'a child name is not a trace name');
  });

  it('defaults reports to the last 24 hours and says so', async () => {
    const before = Date.now();
    const cost = await traced.service.costReport();
    assert.ok(cost.sinceMs! >= before - 86_400_000 - 1 && cost.sinceMs! <= Date.now() - 86_400_000);
    assert.equal(cost.untilMs, null);
    const slowest = await traced.service.slowest({ since: '15m' });
    assert.equal(slowest.sinceMs! % 300_000, 0, 'the slowest report covers whole 5-minute intervals');
    assert.equal((await traced.service.errorSummary({ until: 1_000_000 })).sinceMs, 1_000_000 - 86_400_000);
  });
});

describe('store query time bound', () => {
  const tmp = tempDir();

  after(() => tmp.remove());

  it('fails a query that outlives store.queryTimeoutMillis, and answers the next ones', async () => {
    const path = join(tmp.dir, 'timeout.db');
    const config = testConfig({ store: { path, queryTimeoutMillis: 1 } });
    const store = TraceStore.open(config.store);
    const service = new TraceStoreService(store);
    try {
      // Starting the worker alone takes longer than 1 ms.
      await assert.rejects(() => service.listTraces(), (e: unknown) => e instanceof TraceQueryTimeoutError && /longer than 1 ms/.test(e.message));
      await assert.rejects(() => service.stats(), TraceQueryTimeoutError);
    } finally {
      await store.close();
    }
    const patient = TraceStore.open(testConfig({ store: { path } }).store);
    try {
      assert.equal((await new TraceStoreService(patient).listTraces()).total, 0, 'a new worker answers after a timed-out one');
    } finally {
      await patient.close();
    }
  });
});

describe('schema upgrade', () => {
  const tmp = tempDir();

  after(() => tmp.remove());

  it('upgrades a version-1 file: stored span counts, cost rows and latency histograms from its spans', async () => {
    const path = join(tmp.dir, 'v1.db');
    // A file written by the previous version, with one workflow run in it.
    const traced = openTracedStore(join(tmp.dir, 'source.db'));
    await traced.as({ userId: 'alice' }, () => createResearchWorkflow().run());
    await traced.flush();
    const sourceSpans = traced.store.db.prepare('SELECT * FROM spans').all() as Array<Record<string, unknown>>;
    const sourceTrace = traced.store.db.prepare('SELECT * FROM traces').get() as Record<string, unknown>;
    const expectedCost = await traced.service.costReport({ groupBy: 'user' });
    await traced.close();
    const Driver = loadSqliteDriver();
    const v1 = new Driver(path);
    migrate(v1, path, 1);
    const insert = (table: string, row: Record<string, unknown>, drop: string[]) => {
      const columns = Object.keys(row).filter((c) => !drop.includes(c));
      v1.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`).run(
        Object.fromEntries(columns.map((c) => [c, row[c]])),
      );
    };
    insert('traces', sourceTrace, ['stored_spans', 'instance_id']);
    for (const span of sourceSpans) insert('spans', span, ['instance_id']);
    v1.close();

    const upgraded = TraceStore.open(testConfig({ store: { path } }).store);
    try {
      assert.equal(upgraded.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      const service = new TraceStoreService(upgraded);
      const [summary] = (await service.listTraces()).traces;
      assert.equal(summary!.storedSpans, sourceSpans.length);
      const cost = await service.costReport({ groupBy: 'user' });
      assert.deepEqual(
        cost.rows.map((r) => [r.key, r.llmCalls, r.costUsd]),
        expectedCost.rows.map((r) => [r.key, r.llmCalls, r.costUsd]),
      );
      const slowest = await service.slowest();
      assert.deepEqual(slowest.nodes.map((n) => n.key).sort(), ['classify', 'retrieve', 'summarize', 'translate']);
      assert.deepEqual(slowest.models.map((n) => n.count).sort(), [1, 2]);
    } finally {
      await upgraded.close();
    }
  });
});
