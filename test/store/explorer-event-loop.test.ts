import 'reflect-metadata';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { STORE_DEFAULTS } from '../../lib/config/store-settings.js';
import type { TraceStore } from '../../lib/store/trace-store.js';
import { TRACE_STORE } from '../../lib/tracing.constants.js';
import { RESEARCH_PROVIDERS, ResearchController } from '../cost/fixtures/research.app.js';
import { createTracedApp, type TracedApp } from '../support/tracing-harness.js';
import { bulkFill } from './support/bulk-fill.js';
import { tempDir } from './support/store-harness.js';

const MB = 1024 * 1024;
/** The store is filled to where retention keeps it: just under 80% of the default size cap. */
const FILL_BYTES = STORE_DEFAULTS.maxSizeMb * MB * 0.78;
/** What the test asks of the app while reports run (issue #14): a p99 event-loop delay under 50 ms. */
const MAX_P99_MS = 50;

/** Every view of the explorer, with the calls its page makes (the heaviest filters and windows). */
const EXPLORER_CALLS = [
  '/api/stats',
  '/api/traces?limit=50',
  '/api/traces?name=nothing-matches&limit=50',
  '/api/cost?groupBy=user&since=24h&limit=200',
  '/api/cost?groupBy=day&since=30d&limit=200',
  '/api/slowest?since=7d&limit=25',
  '/api/errors?since=7d&limit=100',
];

describe('explorer on a store at the default caps', () => {
  const tmp = tempDir();
  let traced: TracedApp;
  let traceId: string;

  before(async () => {
    traced = await createTracedApp({
      controllers: [ResearchController],
      providers: RESEARCH_PROVIDERS,
      tracing: { exporter: 'none', store: { path: join(tmp.dir, 'traces.db') } },
    });
    const store = traced.app.get<TraceStore>(TRACE_STORE);
    // Bulk inserts in transactions of the store's own schema: a full store in seconds. Every trace falls in the
    // last 24 hours, the worst case for the reports' default window.
    for (let first = 0; (await store.stats()).sizeBytes < FILL_BYTES; first += 2000) bulkFill(store.db, 2000, { firstTrace: first });
    // Filling wrote through this thread's connection: checkpoint its WAL now, as the writer thread does as it goes.
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    traceId = (await (await fetch(`${traced.url}/_tracing/api/traces?limit=1`)).json() as { traces: Array<{ traceId: string }> }).traces[0]!.traceId;
  });

  after(async () => {
    await traced.close();
    tmp.remove();
  });

  /** Event-loop delay percentiles of one window, in ms. */
  interface Window {
    p50: number;
    p99: number;
    max: number;
    served: number;
    timings: string[];
  }

  /**
   * One window of the app serving traced requests as fast as one client sends them, with the app's event-loop
   * delay sampled every 10 ms; meanwhile, with `explorer`, an explorer user clicks through every view, else the
   * window lasts `baselineMs` (the machine's own noise, to judge the other window by).
   */
  async function window(explorer: boolean, baselineMs = 2000): Promise<Window> {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const timings: string[] = [];
    const users = explorer
      ? Array.from({ length: 1 }, async () => {
          for (const call of [...EXPLORER_CALLS, `/api/traces/${traceId}`]) {
            const started = performance.now();
            const res = await fetch(`${traced.url}/_tracing${call}`);
            await res.arrayBuffer();
            assert.equal(res.status, 200, call);
            timings.push(`${call.split('?')[0]} ${Math.round(performance.now() - started)} ms`);
          }
        })
      : [new Promise((resolve) => setTimeout(resolve, baselineMs))];
    let done = false;
    const app = (async () => {
      let served = 0;
      while (!done) {
        const res = await fetch(`${traced.url}/research/${served++}`);
        await res.arrayBuffer();
        assert.equal(res.status, 200);
      }
      return served;
    })();
    await Promise.all(users);
    done = true;
    const served = await app;
    delay.disable();
    return { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6, served, timings };
  }

  it(`keeps the app's event-loop delay p99 under ${MAX_P99_MS} ms while the explorer's reports run`, async (t) => {
    const stats = (await (await fetch(`${traced.url}/_tracing/api/stats`)).json()) as { traces: number; spans: number; costRows: number; sizeBytes: number };
    t.diagnostic(`store: ${stats.traces} traces, ${stats.spans} spans, ${stats.costRows} cost rows, ${(stats.sizeBytes / MB).toFixed(0)} MB`);
    assert.ok(stats.sizeBytes > FILL_BYTES);
    const show = (w: Window) => `p50 ${w.p50.toFixed(1)} ms, p99 ${w.p99.toFixed(1)} ms, max ${w.max.toFixed(1)} ms, ${w.served} app requests`;
    // Up to three attempts, each a baseline window (the app alone) then an explorer window. A report run on the
    // app's thread stalls it for as long as the query (hundreds of ms on a full store: the cost reports take
    // 0.5 s each), in every attempt. The app alone already shows a p99 of 25-30 ms on an idle machine (it
    // serves as fast as the client in the same thread sends); the test suite runs two files at once, so
    // another file's work can double that in any window. An attempt passes when the explorer's window is under
    // the bound, or when it stays within the noise its own baseline showed: far below any report's stall.
    const withinNoise = (a: { baseline: Window; explorer: Window }) => a.explorer.p99 <= a.baseline.p99 * 1.5 + 20;
    const attempts: Array<{ baseline: Window; explorer: Window }> = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const baseline = await window(false);
      const explorer = await window(true);
      attempts.push({ baseline, explorer });
      t.diagnostic(`attempt ${attempt}: app alone: ${show(baseline)}; with the explorer: ${show(explorer)}`);
      t.diagnostic(`attempt ${attempt}: explorer calls: ${explorer.timings.join(', ')}`);
      if (explorer.p99 < MAX_P99_MS) return;
      if (withinNoise(attempts[attempts.length - 1]!)) {
        t.diagnostic(`attempt ${attempt}: the machine was busy (app alone p99 ${baseline.p99.toFixed(1)} ms); the explorer added no more than that noise`);
        return;
      }
    }
    assert.fail(`p99 with the explorer: ${attempts.map((a) => a.explorer.p99.toFixed(1)).join(', ')} ms; app alone: ${attempts.map((a) => a.baseline.p99.toFixed(1)).join(', ')} ms`);
  });
});
