import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { resolveTracingConfig } from '../../lib/config/resolve-config.js';
import { TraceStore } from '../../lib/store/trace-store.js';
import { TraceStoreService } from '../../lib/store/trace-store.service.js';
import { bulkFill } from '../../test/store/support/bulk-fill.js';
import { childInput, runAsChild } from '../support/child-process.js';
import { pgBulkFill } from '../support/pg-bulk-fill.js';
import { median, round, yieldToLoop } from '../support/stats.js';

export interface StoreInput {
  driver: 'sqlite' | 'postgres';
  /** Spans offered to the write path, as fast as the app can make them. */
  writeSpans: number;
  /** Traces (of 8 spans) in the store the queries run over. */
  fillTraces: number;
  pgUrl: string;
}

export interface StoreResult {
  driver: string;
  /** Paced: new spans only while the queue has room (the writer's sustained rate, nothing dropped). */
  sustained: { written: number; dropped: number; seconds: number; spansPerSecond: number };
  /** Burst: everything at once, as fast as the app makes spans: what the bounded queue drops and counts. */
  write: { offered: number; written: number; dropped: number; failed: number; seconds: number; spansPerSecond: number; maxQueued: number };
  queries: Array<{ query: string; ms: number }>;
  storedSpans: number;
  fillSeconds: number;
}

const SPANS_PER_TRACE = 8;
const ATTRIBUTES = {
  'gen_ai.span.type': 'node',
  'gen_ai.workflow.name': 'research',
  'user.id': 'user-1',
  'http.request.method': 'POST',
  'url.path': '/workflows/research/runs',
  'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'workflow.job_id': 'job-1',
};

/** A store of `driver` (a temp file, or a schema of its own) and how to remove it. */
async function openStore(input: StoreInput, tag: string): Promise<{ store: TraceStore; url?: string; drop(): Promise<void> }> {
  if (input.driver === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
    const config = resolveTracingConfig({ store: { path: join(dir, 'traces.db'), maxTraces: 10_000_000, maxSizeMb: 100_000 } }, () => undefined);
    return { store: await TraceStore.connect(config.store), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `bench_${tag}_${process.pid}`;
  const admin = new pg.Client({ connectionString: input.pgUrl });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  const url = `${input.pgUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const config = resolveTracingConfig({ store: { url, maxTraces: 10_000_000 } }, () => undefined);
  return {
    store: await TraceStore.connect(config.store),
    url,
    drop: async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/** Makes one trace of `SPANS_PER_TRACE` spans. */
function makeTrace(tracer: ReturnType<BasicTracerProvider['getTracer']>): void {
  const root = tracer.startSpan('POST /workflows/:id/runs', { attributes: ATTRIBUTES });
  const ctx = { traceId: root.spanContext().traceId };
  for (let j = 1; j < SPANS_PER_TRACE; j++) tracer.startSpan(`node ${j}`, { attributes: { ...ATTRIBUTES, ...ctx } }).end();
  root.end();
}

/** Offers `total` spans, 1,000 per turn, only while the queue has room for them; then waits for the writer. */
async function measureSustained(input: StoreInput): Promise<StoreResult['sustained']> {
  const { store, drop } = await openStore(input, 'paced');
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'bench' }), spanProcessors: [store.processor] });
  const tracer = provider.getTracer('bench');
  const room = store.config.maxQueueSize - 1000;
  const started = performance.now();
  for (let made = 0; made < input.writeSpans; ) {
    if (store.processor.stats().queued > room) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    for (let i = 0; i < 1000 / SPANS_PER_TRACE && made < input.writeSpans; i++, made += SPANS_PER_TRACE) makeTrace(tracer);
    await yieldToLoop();
  }
  await provider.forceFlush();
  const seconds = (performance.now() - started) / 1000;
  const s = store.processor.stats();
  await provider.shutdown();
  await store.close();
  await drop();
  return { written: s.written, dropped: s.dropped, seconds: round(seconds, 2), spansPerSecond: Math.round(s.written / seconds) };
}

/** Offers `total` spans (traces of 8) as fast as one event loop makes them, 1,000 per turn, then waits for the writer. */
async function measureWrites(input: StoreInput): Promise<StoreResult['write']> {
  const { store, drop } = await openStore(input, 'write');
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'bench' }), spanProcessors: [store.processor] });
  const tracer = provider.getTracer('bench');
  let maxQueued = 0;
  const started = performance.now();
  for (let made = 0; made < input.writeSpans; ) {
    for (let i = 0; i < 1000 / SPANS_PER_TRACE && made < input.writeSpans; i++) {
      const root = tracer.startSpan('POST /workflows/:id/runs', { attributes: ATTRIBUTES });
      const ctx = { traceId: root.spanContext().traceId };
      for (let j = 1; j < SPANS_PER_TRACE; j++) {
        tracer.startSpan(`node ${j}`, { attributes: { ...ATTRIBUTES, ...ctx } }).end();
      }
      root.end();
      made += SPANS_PER_TRACE;
    }
    maxQueued = Math.max(maxQueued, store.processor.stats().queued);
    await yieldToLoop();
  }
  await provider.forceFlush();
  const seconds = (performance.now() - started) / 1000;
  const s = store.processor.stats();
  await provider.shutdown();
  await store.close();
  await drop();
  return { offered: input.writeSpans, written: s.written, dropped: s.dropped, failed: s.failed, seconds: round(seconds, 2), spansPerSecond: Math.round(s.written / seconds), maxQueued };
}

async function measureQueries(input: StoreInput): Promise<Omit<StoreResult, 'driver' | 'write' | 'sustained'>> {
  const { store, url, drop } = await openStore(input, 'query');
  const fillStart = performance.now();
  if (input.driver === 'sqlite') {
    bulkFill(store.db, input.fillTraces);
    store.db.exec('ANALYZE');
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await pgBulkFill(client, input.fillTraces);
    await client.end();
  }
  const fillSeconds = (performance.now() - fillStart) / 1000;
  const service = new TraceStoreService(store);
  const some = (await service.listTraces({ limit: 1, since: 0 })).traces[0]!.traceId;
  const queries: Array<[string, () => Promise<unknown>]> = [
    ['trace list, first page', () => service.listTraces({ since: '1d' })],
    ['trace list, one user', () => service.listTraces({ since: '1d', user: 'user-5' })],
    ['trace list, errors only', () => service.listTraces({ since: '1d', hasError: true })],
    ['trace list, name contains', () => service.listTraces({ since: '1d', name: 'workflows' })],
    ['one trace (tree)', () => service.getTrace(some)],
    ['cost report by user, 24 h', () => service.costReport({ groupBy: 'user', since: '1d' })],
    ['cost report by day, 7 d', () => service.costReport({ groupBy: 'day', since: '7d' })],
    ['slowest, 24 h', () => service.slowest({ since: '1d' })],
    ['errors, 24 h', () => service.errorSummary({ since: '1d' })],
    ['forecast, 30 d', () => service.forecast()],
    ['stats', () => service.stats()],
  ];
  const rows: Array<{ query: string; ms: number }> = [];
  for (const [name, run] of queries) {
    await run();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await run();
      times.push(performance.now() - t0);
    }
    rows.push({ query: name, ms: round(median(times), 1) });
  }
  const storedSpans = (await store.stats()).spans;
  await store.close();
  await drop();
  return { queries: rows, storedSpans, fillSeconds: round(fillSeconds, 1) };
}

async function main(): Promise<StoreResult> {
  const input = childInput<StoreInput>();
  const sustained = await measureSustained(input);
  const write = await measureWrites({ ...input, writeSpans: Math.min(input.writeSpans, 50_000) });
  return { driver: input.driver, sustained, write, ...(await measureQueries(input)) };
}

runAsChild(main);
