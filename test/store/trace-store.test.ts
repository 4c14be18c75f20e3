import { context, trace } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { TracingConfigError } from '../../lib/config/tracing-config.error.js';
import { runInSpan } from '../../lib/core/span-engine.js';
import { CostAttributes, GenAiAttributes } from '../../lib/semconv.js';
import { loadSqliteDriver } from '../../lib/store/sqlite-driver.js';
import { TraceStore } from '../../lib/store/trace-store.js';
import { SCHEMA_VERSION } from '../../lib/store/trace-store.schema.js';
import { storeQueueFull } from '../../lib/tracing.messages.js';
import { createResearchWorkflow, FakeLlm, ResearchAgent, ResearchWorkflow, SearchTool } from './fixtures/demo-workflow.js';
import { bulkFill } from './support/bulk-fill.js';
import { openTracedStore, testConfig, traceIdOf, type TracedStore } from './support/store-harness.js';
import { tempDir } from '../support/temp-dir.js';

const DAY_MS = 86_400_000;

describe('TraceStore', () => {
  let tmp: ReturnType<typeof tempDir>;
  let path: string;
  let traced: TracedStore | undefined;

  beforeEach(() => {
    tmp = tempDir('ai-tracing-store');
    path = join(tmp.path, 'nested', 'traces.db');
  });

  afterEach(async () => {
    await traced?.close();
    traced = undefined;
    mock.timers.reset();
    tmp.cleanup();
  });

  it('stores the spans of a traced workflow: trace row, tree, cost and tokens', async () => {
    traced = openTracedStore(path);
    const workflow = createResearchWorkflow();
    await traced.as({ userId: 'alice', tenantId: 'acme' }, () => workflow.run({ topic: 'otel' }));
    await traced.flush();

    const finished = traced.finished();
    assert.equal(finished.length, ResearchWorkflow.SPANS_PER_RUN);
    const providerSpans = finished.filter((s) => s.attributes[GenAiAttributes.PROVIDER_NAME] !== undefined);
    const expectedCost = providerSpans.reduce((sum, s) => sum + Number(s.attributes[CostAttributes.USD]), 0);
    const expectedInput = providerSpans.reduce((sum, s) => sum + Number(s.attributes[GenAiAttributes.USAGE_INPUT_TOKENS]), 0);
    assert.ok(expectedCost > 0, 'the demo calls are priced');

    const page = await traced.service.listTraces();
    assert.equal(page.total, 1);
    const [summary] = page.traces;
    assert.equal(summary!.traceId, traceIdOf(finished[0]!));
    assert.equal(summary!.name, 'invoke_workflow research');
    assert.equal(summary!.workflow, 'research');
    assert.equal(summary!.userId, 'alice');
    assert.equal(summary!.tenantId, 'acme');
    assert.equal(summary!.workflowId, null);
    assert.equal(summary!.status, 'unset');
    assert.equal(summary!.spanCount, ResearchWorkflow.SPANS_PER_RUN);
    assert.equal(summary!.llmCalls, 3);
    assert.equal(summary!.errorCount, 0);
    assert.ok(Math.abs(summary!.costUsd - expectedCost) < 1e-12);
    assert.equal(summary!.inputTokens, expectedInput);

    const tree = (await traced.service.getTrace(summary!.traceId))!;
    assert.equal(tree.roots.length, 1);
    const root = tree.roots[0]!;
    assert.equal(root.role, 'workflow');
    assert.equal(root.kind, 'internal');
    // retrieve runs first; the other three start together.
    assert.equal(root.children[0]!.nodeType, 'retrieve');
    assert.deepEqual(root.children.slice(1).map((c) => c.nodeType).sort(), ['classify', 'summarize', 'translate']);
    assert.ok(Math.abs(root.totalCostUsd! - expectedCost) < 1e-12, 'the workflow span carries the rolled-up cost');
    const summarize = root.children.find((c) => c.nodeType === 'summarize')!;
    const call = summarize.children[0]!;
    const exported = providerSpans.find((s) => s.spanContext().spanId === call.spanId)!;
    assert.equal(call.role, 'provider');
    assert.equal(call.kind, 'client');
    assert.equal(call.provider, 'openai');
    assert.equal(call.model, 'gpt-4o-mini');
    assert.equal(call.costUsd, exported.attributes[CostAttributes.USD]);
    assert.equal(call.inputTokens, exported.attributes[GenAiAttributes.USAGE_INPUT_TOKENS]);
    assert.deepEqual(call.attributes, JSON.parse(JSON.stringify(exported.attributes)));
    assert.equal(call.parentSpanId, summarize.spanId);
  });

  it('records the library role of agent, step, tool and provider spans', async () => {
    traced = openTracedStore(path);
    await new ResearchAgent(new FakeLlm(), new SearchTool()).run('find papers');
    await traced.flush();
    const [summary] = (await traced.service.listTraces()).traces;
    assert.equal(summary!.name, 'invoke_agent researcher');
    assert.equal(summary!.llmCalls, 1);
    const [agent] = (await traced.service.getTrace(summary!.traceId))!.roots;
    assert.deepEqual([agent!.role, agent!.nodeType], ['agent_task', 'researcher']);
    const [step, tool] = agent!.children;
    assert.deepEqual([step!.role, step!.nodeType], ['agent_step', 'researcher: planning']);
    assert.deepEqual([tool!.role, tool!.nodeType], ['tool', 'web_search']);
    assert.deepEqual(step!.children.map((c) => c.role), ['provider']);
    assert.deepEqual((await traced.service.slowest()).nodes.map((n) => [n.key, n.detail]).sort(), [
      ['researcher', 'agent_task'],
      ['researcher: planning', 'agent_step'],
      ['web_search', 'tool'],
    ]);
  });

  it('keeps the data across a restart on the same file', async () => {
    traced = openTracedStore(path);
    const workflow = createResearchWorkflow();
    await traced.as({ userId: 'bob' }, () => workflow.run());
    const before = traced.finished().map((s) => s.spanContext().spanId).sort();
    await traced.close();
    traced = undefined;

    traced = openTracedStore(path);
    const page = await traced.service.listTraces();
    assert.equal(page.total, 1);
    assert.equal(page.traces[0]!.userId, 'bob');
    const tree = (await traced.service.getTrace(page.traces[0]!.traceId))!;
    const ids: string[] = [];
    const walk = (nodes: typeof tree.roots) => nodes.forEach((n) => (ids.push(n.spanId), walk(n.children)));
    walk(tree.roots);
    assert.deepEqual(ids.sort(), before);
    assert.equal(traced.store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(statSync(path).mode & 0o777, 0o600, 'the file is private to its owner');
    assert.equal(traced.store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  });

  it('prunes traces older than retentionDays as they are written', async () => {
    traced = openTracedStore(path, { retentionDays: 7 });
    const { tracer } = traced;
    const now = Date.now();
    const old = tracer.startSpan('old', { startTime: now - 8 * DAY_MS });
    tracer.startSpan('old child', { startTime: now - 8 * DAY_MS }, trace.setSpan(context.active(), old)).end(now - 8 * DAY_MS + 5);
    old.end(now - 8 * DAY_MS + 10);
    tracer.startSpan('recent', { startTime: now - 6 * DAY_MS }).end(now - 6 * DAY_MS + 10);
    await traced.flush();
    await traced.store.prune();
    assert.deepEqual((await traced.service.listTraces()).traces.map((t) => t.name), ['recent']);
    assert.equal((await traced.store.stats()).spans, 1, 'the spans of pruned traces go with them');
  });

  it('prunes on its periodic timer too', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    traced = openTracedStore(path, { retentionDays: 7 }, { pruneIntervalMillis: 60_000, inThread: true });
    await traced.store.prune();
    // Written behind the store's back: only the timer can find it.
    bulkFill(traced.store.db, 3, { now: Date.now() - 8 * DAY_MS, windowMs: 1000 });
    assert.equal((await traced.service.listTraces({ since: 0 })).total, 3);
    mock.timers.tick(60_000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await traced.service.listTraces({ since: 0 })).total, 0);
  });

  it('keeps only the newest maxTraces, pruning at open', async () => {
    traced = openTracedStore(path, { maxTraces: 3 });
    const now = Date.now();
    for (let i = 0; i < 6; i++) traced.tracer.startSpan(`trace ${i}`, { startTime: now - (10 - i) * 1000 }).end(now - (10 - i) * 1000 + 1);
    await traced.close();
    traced = undefined;

    traced = openTracedStore(path, { maxTraces: 3 });
    assert.deepEqual((await traced.service.listTraces()).traces.map((t) => t.name), ['trace 5', 'trace 4', 'trace 3']);
    assert.equal((await traced.store.stats()).spans, 3);
  });

  it('drops and counts spans when the queue is full, without waiting for the writer', async () => {
    traced = openTracedStore(path, { maxQueueSize: 10 });
    const returned: number[] = [];
    for (let i = 0; i < 50; i++) returned.push(runInSpan({ name: `burst ${i}`, role: 'manual' }, () => i));
    // Still the same turn of the event loop: every call returned although the writer has not run yet.
    assert.equal(returned.length, 50);
    assert.deepEqual(traced.store.processor.stats(), { queued: 10, written: 0, dropped: 40, failed: 0, overCap: 0, costRows: 0, costDropped: 0 });
    await traced.flush();
    assert.deepEqual(traced.store.processor.stats(), { queued: 0, written: 10, dropped: 40, failed: 0, overCap: 0, costRows: 0, costDropped: 0 });
    assert.equal((await traced.service.listTraces()).total, 10);
    assert.equal(storeQueueFull(10).includes('store.maxQueueSize'), true);
  });

  it('counts a failed write and never lets it reach the traced call', async () => {
    traced = openTracedStore(path);
    await traced.flush();
    traced.store.db.exec('DROP TABLE spans');
    const value = runInSpan({ name: 'unlucky', role: 'manual' }, () => 'still works');
    await traced.flush();
    assert.equal(value, 'still works');
    assert.deepEqual(traced.store.processor.stats(), { queued: 0, written: 0, dropped: 0, failed: 1, overCap: 0, costRows: 0, costDropped: 0 });
  });

  it('fails bootstrap with an install hint when better-sqlite3 is missing', async () => {
    assert.throws(
      () => loadSqliteDriver('better-sqlite3-not-installed'),
      (error: unknown) =>
        error instanceof TracingConfigError && error.message.includes('npm install better-sqlite3-not-installed') && error.message.includes('store.enabled'),
    );
  });

  it('fails bootstrap with a clear error when the file cannot be opened or is from a newer version', async () => {
    mkdirSync(join(tmp.path, 'a-directory.db'));
    const config = testConfig({ store: { path: join(tmp.path, 'a-directory.db') } });
    assert.throws(() => TraceStore.open(config.store), (error: unknown) => error instanceof TracingConfigError && /cannot open the trace store at .*a-directory\.db/.test(error.message));

    const future = TraceStore.open(testConfig({ store: { path } }).store);
    future.db.pragma('user_version = 99');
    await future.close();
    assert.throws(() => TraceStore.open(testConfig({ store: { path } }).store), (error: unknown) => error instanceof TracingConfigError && error.message.includes('schema version 99'));
  });

  it('lives in memory with path :memory:', async () => {
    traced = openTracedStore(':memory:');
    runInSpan({ name: 'ephemeral', role: 'manual' }, () => undefined);
    await traced.flush();
    assert.deepEqual((await traced.service.listTraces()).traces.map((t) => t.name), ['ephemeral']);
  });

  it('writes queued spans on close and ignores spans after it', async () => {
    traced = openTracedStore(path);
    runInSpan({ name: 'before close', role: 'manual' }, () => undefined);
    const { store } = traced;
    await store.close();
    await store.close();
    runInSpan({ name: 'after close', role: 'manual' }, () => undefined);
    assert.equal(store.isOpen, false);
    await traced.close();
    traced = openTracedStore(path);
    assert.deepEqual((await traced.service.listTraces()).traces.map((t) => t.name), ['before close']);
  });
});
