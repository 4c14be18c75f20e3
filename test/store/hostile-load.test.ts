import 'reflect-metadata';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TraceStoreService } from '../../lib/index.js';
import { RESEARCH_PROVIDERS, ResearchController } from '../cost/fixtures/research.app.js';
import { createTracedApp, flushEndedSpans, type TracedApp } from '../support/tracing-harness.js';
import { tempDir } from './support/store-harness.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const HELD = `00-${TRACE_ID}-b7ad6b7169203331-01`;
/** Spans one research request makes: the request, the workflow, three nodes, three LLM calls. */
const SPANS_PER_REQUEST = 8;
const MAX_SPANS = 100;
const MAX_SIZE_MB = 1;

/**
 * Sends `total` requests to `url` from six concurrent clients, each with `headers`. A count, not a duration: the
 * bounds must hold whatever the rate (the attacker held the header for 20 s), and the count makes the
 * test as strong on a slow machine as on a fast one.
 */
async function load(url: string, total: number, headers: Record<string, string>): Promise<void> {
  let sent = 0;
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (sent < total) {
        const response = await fetch(`${url}/research/${sent++}`, { headers });
        assert.equal(response.status, 200);
        await response.arrayBuffer();
      }
    }),
  );
}

describe('a client holding one traceparent under load', () => {
  const tmp = tempDir();
  let traced: TracedApp;
  const requests = 150;

  before(async () => {
    traced = await createTracedApp({
      controllers: [ResearchController],
      providers: RESEARCH_PROVIDERS,
      tracing: { exporter: 'none', store: { path: join(tmp.dir, 'held.db'), maxSpansPerTrace: MAX_SPANS } },
    });
    await load(traced.url, requests, { traceparent: HELD });
    await flushEndedSpans(traced.tracing);
  });

  after(async () => {
    await traced.close();
    tmp.remove();
  });

  it('stores at most maxSpansPerTrace spans of that trace and counts the rest', async () => {
    const store = traced.app.get(TraceStoreService);
    const { traces } = await store.listTraces();
    assert.equal(traces.length, 1);
    assert.equal(traces[0]!.traceId, TRACE_ID);
    assert.equal(traces[0]!.storedSpans, MAX_SPANS);
    assert.equal(traces[0]!.spanCount, requests * SPANS_PER_REQUEST);
    assert.equal(traces[0]!.llmCalls, requests * 3);
    assert.equal((await store.stats()).spans, MAX_SPANS);
  });

  it('answers the trace endpoint with one bounded page', async () => {
    const res = await fetch(`${traced.url}/_tracing/api/traces/${TRACE_ID}`);
    assert.equal(res.status, 200);
    const body = await res.text();
    // 100 spans of at most 32 KB of attributes each; far less in practice.
    assert.ok(body.length < MAX_SPANS * 40 * 1024, `${body.length} characters`);
    const page = (JSON.parse(body) as { page: { shown: number; stored: number; total: number } }).page;
    assert.deepEqual([page.shown, page.stored, page.total], [MAX_SPANS, MAX_SPANS, requests * SPANS_PER_REQUEST]);
  });
});

describe('clients starting new traces with large headers under load', () => {
  const tmp = tempDir();
  const path = join(tmp.dir, 'fresh.db');
  let traced: TracedApp;
  // With an 8 KB User-Agent, which every request span records: three times the cap and more.
  const requests = 400;

  before(async () => {
    traced = await createTracedApp({
      controllers: [ResearchController],
      providers: RESEARCH_PROVIDERS,
      tracing: { exporter: 'none', store: { path, maxSizeMb: MAX_SIZE_MB } },
    });
    await load(traced.url, requests, { 'user-agent': `curl/8 ${'x'.repeat(8192)}` });
    await flushEndedSpans(traced.tracing);
  });

  after(async () => {
    await traced.close();
    tmp.remove();
  });

  it('keeps the database under store.maxSizeMb, the newest traces kept', async () => {
    const store = traced.app.get(TraceStoreService);
    const stats = await store.stats();
    assert.ok(stats.sizeBytes <= MAX_SIZE_MB * 1024 * 1024, `${stats.sizeBytes} bytes in use`);
    assert.ok(statSync(path).size <= MAX_SIZE_MB * 1024 * 1024, `a file of ${statSync(path).size} bytes`);
    assert.ok(stats.traces > 0 && stats.traces < requests, `${stats.traces} of ${requests} traces kept`);
    const cost = await store.costReport();
    assert.equal(cost.total.llmCalls, requests * 3, 'the cost rows of pruned traces stay: they are the bill, and small');
  });
});
