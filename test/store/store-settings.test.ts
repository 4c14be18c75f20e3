import { Controller, Get } from '@nestjs/common';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TraceStoreService, type TraceListPage, type TracingModuleOptions } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { configuredBy } from '../support/config-service.js';
import { httpGet } from '../support/http.js';
import { tempDir } from '../support/temp-dir.js';
import { flushEndedSpans, type TracedApp } from '../support/tracing-harness.js';
import { waitFor } from '../support/waits.js';
import { openTracedStore } from './support/store-harness.js';

/**
 * The store and explorer settings shown by their effect on a real app: which file holds its traces, what is
 * pruned at start, what a full queue drops, where the explorer answers and to whom. Variables are read through
 * ConfigService.
 */
@Controller('hello')
class HelloController {
  @Get()
  hello(): { ok: true } {
    return { ok: true };
  }
}

const apps = tracedAppPerTest({ controllers: [HelloController] });
const files = tempDir('ai-tracing-store-settings');
after(() => files.cleanup());
let storeFiles = 0;
const newStorePath = () => files.join(`traces-${++storeFiles}.db`);
const DAY_MS = 86_400_000;

async function bootWith(variables: Record<string, string>, options: TracingModuleOptions = {}): Promise<TracedApp> {
  const { tracingModule, imports } = await configuredBy(variables, { exporter: 'memory', ...options });
  return apps.boot({ tracingModule, imports });
}

/** Writes root spans `name`, each `ageMs` old, into the store file at `path`, as an earlier run of the app would. */
async function seed(path: string, traces: Array<[name: string, ageMs: number]>): Promise<void> {
  const store = openTracedStore(path);
  const now = Date.now();
  for (const [name, ageMs] of traces) store.tracer.startSpan(name, { startTime: now - ageMs }).end(now - ageMs + 1);
  await store.close();
}

const storedNames = async (app: TracedApp) => (await app.app.get(TraceStoreService).listTraces({ limit: 100 })).traces.map((t) => t.name);

async function status(app: TracedApp, path: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${app.url}${path}`, { headers });
  await response.arrayBuffer();
  return response.status;
}

describe('store settings', () => {
  it('TRACING_STORE_PATH alone turns the store on: the app traces land in that file, served at /_tracing', async () => {
    const path = newStorePath();
    const app = await bootWith({ TRACING_STORE_PATH: path });
    assert.equal(await status(app, '/hello'), 200);
    await flushEndedSpans(app.tracing);
    const page = (await (await fetch(`${app.url}/_tracing/api/traces`)).json()) as TraceListPage;
    assert.deepEqual(page.traces.map((t) => t.name), ['GET /hello']);
    assert.equal((await app.app.get(TraceStoreService).stats()).path, path);
  });

  it('TRACING_STORE_ENABLED=false keeps it off even with a path (control: on with TRACING_STORE_ENABLED=true)', async () => {
    const on = await bootWith({ TRACING_STORE_ENABLED: 'true', TRACING_STORE_PATH: newStorePath() });
    assert.equal(on.app.get(TraceStoreService).enabled, true);
    assert.equal(await status(on, '/_tracing/api/stats'), 200);
    await on.close();
    const off = await bootWith({ TRACING_STORE_ENABLED: 'false', TRACING_STORE_PATH: newStorePath() });
    assert.equal(off.app.get(TraceStoreService).enabled, false);
    assert.equal(await status(off, '/_tracing/api/stats'), 404);
  });

  it('store.enabled: false keeps it off even with store.path (control: on with store.enabled: true)', async () => {
    const on = await bootWith({}, { store: { enabled: true, path: newStorePath() } });
    assert.equal(await status(on, '/_tracing/api/stats'), 200);
    await on.close();
    const off = await bootWith({}, { store: { enabled: false, path: newStorePath() } });
    assert.equal(off.app.get(TraceStoreService).enabled, false);
    assert.equal(await status(off, '/_tracing/api/stats'), 404);
  });

  it('TRACING_STORE_MAX_TRACES keeps the newest traces, pruning at start', async () => {
    const path = newStorePath();
    await seed(path, [['t1', 5000], ['t2', 4000], ['t3', 3000], ['t4', 2000], ['t5', 1000]]);
    const app = await bootWith({ TRACING_STORE_PATH: path, TRACING_STORE_MAX_TRACES: '2' });
    // The store prunes on its writer thread, right after it opens.
    await waitFor('the prune at start', async () => ((await storedNames(app)).length === 2 ? true : undefined), { timeoutMs: 5000 });
    assert.deepEqual(await storedNames(app), ['t5', 't4']);
  });

  it('TRACING_STORE_RETENTION_DAYS drops older traces, pruning at start', async () => {
    const path = newStorePath();
    await seed(path, [['three days old', 3 * DAY_MS], ['an hour old', 3_600_000]]);
    const app = await bootWith({ TRACING_STORE_PATH: path, TRACING_STORE_RETENTION_DAYS: '1' });
    await waitFor('the prune at start', async () => ((await storedNames(app)).length === 1 ? true : undefined), { timeoutMs: 5000 });
    assert.deepEqual(await storedNames(app), ['an hour old']);
  });

  for (const [how, boot] of [
    ['store.maxQueueSize', () => bootWith({}, { store: { path: newStorePath(), maxQueueSize: 5 } })],
    ['TRACING_STORE_MAX_QUEUE_SIZE', () => bootWith({ TRACING_STORE_PATH: newStorePath(), TRACING_STORE_MAX_QUEUE_SIZE: '5' })],
  ] as const) {
    it(`${how}: a burst beyond the queue is dropped and counted, never waited for`, async () => {
      const app = await boot();
      const returned = Array.from({ length: 20 }, (_, i) => app.tracing.withSpan(`burst ${i}`, () => i));
      assert.equal(returned.length, 20, 'every call returned before the writer ran');
      await app.tracing.forceFlush();
      const stats = await app.app.get(TraceStoreService).stats();
      assert.deepEqual([stats.written, stats.dropped, stats.traces], [5, 15, 5]);
    });
  }

  it('TRACING_STORE_MAX_SPANS_PER_TRACE keeps that many spans of a trace and counts the rest', async () => {
    const app = await bootWith({ TRACING_STORE_PATH: newStorePath(), TRACING_STORE_MAX_SPANS_PER_TRACE: '3' });
    app.tracing.withSpan('root', () => {
      for (let i = 0; i < 9; i++) app.tracing.withSpan(`child ${i}`, () => undefined);
    });
    await app.tracing.forceFlush();
    const service = app.app.get(TraceStoreService);
    const [trace] = await waitFor('the trace in the store', async () => {
      const { traces } = await service.listTraces();
      return traces.length === 1 && traces[0]!.spanCount === 10 ? traces : undefined;
    });
    assert.equal(trace!.storedSpans, 3);
  });

  it('TRACING_STORE_QUERY_TIMEOUT: a query past it answers 503 (control: 200 without it)', async () => {
    const path = newStorePath();
    await seed(path, [['t1', 1000], ['t2', 2000]]);
    assert.equal(await status(await bootWith({ TRACING_STORE_PATH: path }), '/_tracing/api/slowest'), 200);
    await apps.app.close();
    assert.equal(await status(await bootWith({ TRACING_STORE_PATH: path, TRACING_STORE_QUERY_TIMEOUT: '1' }), '/_tracing/api/slowest'), 503);
  });

});

describe('the store with the app\'s own tracer provider', () => {
  it('still receives the spans this library creates (not other instrumentations\')', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    apps.cleanup(() => provider.shutdown());
    const app = await bootWith({}, { tracerProvider: provider, store: { path: newStorePath() } });
    // Ended first: had it been fed to the store, it would be written no later than the request.
    provider.getTracer('another-instrumentation').startSpan('not from the library').end();
    assert.equal(await status(app, '/hello'), 200);
    const service = app.app.get(TraceStoreService);
    await waitFor('the request trace in the store', async () => ((await service.listTraces()).total > 0 ? true : undefined), { timeoutMs: 5000 });
    assert.deepEqual(await storedNames(app), ['GET /hello']);
    assert.deepEqual(exporter.getFinishedSpans().map((s) => s.name).sort(), ['GET /hello', 'not from the library'], 'the app\'s exporter got both');
  });
});

describe('explorer settings', () => {
  it('TRACING_EXPLORER_PATH and TRACING_EXPLORER_TOKEN: served there, to bearers of the token only', async () => {
    const app = await bootWith({ TRACING_STORE_PATH: newStorePath(), TRACING_EXPLORER_PATH: '/ops/traces', TRACING_EXPLORER_TOKEN: 's3cret' });
    assert.equal(await status(app, '/ops/traces/api/stats'), 401);
    assert.equal(await status(app, '/ops/traces/api/stats', { authorization: 'Bearer wrong' }), 401);
    assert.equal(await status(app, '/ops/traces/api/stats', { authorization: 'Bearer s3cret' }), 200);
    assert.equal(await status(app, '/_tracing/api/stats', { authorization: 'Bearer s3cret' }), 404, 'not at the default path');
  });

  it('TRACING_EXPLORER_ALLOWED_HOSTS: answers those Host names too (control: refused without it)', async () => {
    const path = newStorePath();
    const refused = await bootWith({ TRACING_STORE_PATH: path });
    assert.equal((await httpGet(`${refused.url}/_tracing/api/stats`, { host: 'traces.example.com' })).status, 403);
    await refused.close();
    const allowed = await bootWith({ TRACING_STORE_PATH: path, TRACING_EXPLORER_ALLOWED_HOSTS: 'traces.example.com' });
    assert.equal((await httpGet(`${allowed.url}/_tracing/api/stats`, { host: 'traces.example.com' })).status, 200);
  });

  it('NODE_ENV=production turns it off by default; TRACING_EXPLORER_ENABLED=true turns it back on', async () => {
    const production = await bootWith({ TRACING_STORE_PATH: newStorePath(), NODE_ENV: 'production' });
    assert.equal(await status(production, '/_tracing/api/stats'), 404);
    await production.close();
    const enabled = await bootWith({ TRACING_STORE_PATH: newStorePath(), NODE_ENV: 'production', TRACING_EXPLORER_ENABLED: 'true' });
    assert.equal(await status(enabled, '/_tracing/api/stats'), 200);
  });
});
