import type { BenchContext } from '../run.js';
import { runWorker } from '../support/child-process.js';
import { printTable } from '../support/table.js';
import type { StoreInput, StoreResult } from './store.worker.js';

/** PostgreSQL of the project's machines (`.ci/run` starts it); `BENCH_POSTGRES_URL` for another. */
const PG_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Suite: the trace store on SQLite and PostgreSQL. Sustained writes: spans offered 1,000 at a time while the
 * bounded queue (10,000) has room, until all are written: spans/s is the writer's sustained rate. Burst: spans
 * offered all at once as fast as one event loop makes them: the queue drops and counts (written + dropped =
 * offered). Queries: the
 * explorer's main queries over a store filled with 1,000,000 spans (125,000 traces over 24 hours), median of 5.
 */
export async function runStore(ctx: BenchContext): Promise<unknown> {
  const base = ctx.quick ? { writeSpans: 4_000, fillTraces: 2_000 } : { writeSpans: 200_000, fillTraces: 125_000 };
  const results: StoreResult[] = [];
  for (const driver of ['sqlite', 'postgres'] as const) {
    const input: StoreInput = { driver, ...base, pgUrl: PG_URL };
    results.push(await runWorker<StoreResult>(new URL('./store.worker.js', import.meta.url), input));
  }
  printTable(
    `trace store sustained writes (${base.writeSpans.toLocaleString('en-US')} spans, offered while the queue has room)`,
    ['driver', 'spans/s written', 'written', 'dropped', 'seconds'],
    results.map((r) => [r.driver, r.sustained.spansPerSecond, r.sustained.written, r.sustained.dropped, r.sustained.seconds]),
  );
  printTable(
    `trace store burst (${Math.min(base.writeSpans, 50_000).toLocaleString('en-US')} spans at once, queue 10,000: drops counted)`,
    ['driver', 'spans/s written', 'written', 'dropped', 'failed', 'max queued', 'seconds'],
    results.map((r) => [r.driver, r.write.spansPerSecond, r.write.written, r.write.dropped, r.write.failed, r.write.maxQueued, r.write.seconds]),
  );
  printTable(
    `explorer queries over ${results[0]!.storedSpans.toLocaleString('en-US')} stored spans (ms, median of 5)`,
    ['query', ...results.map((r) => r.driver)],
    results[0]!.queries.map((q, i) => [q.query, ...results.map((r) => r.queries[i]!.ms)]),
    [`fill: ${results.map((r) => `${r.driver} ${r.fillSeconds} s`).join(', ')}`],
  );
  return results;
}
