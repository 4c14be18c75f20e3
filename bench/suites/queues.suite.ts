import type { BenchContext } from '../run.js';
import { runWorker } from '../support/child-process.js';
import { printTable } from '../support/table.js';
import type { QueuesInput, QueuesRow } from './queues.worker.js';

/** Suite 6: what tracing adds to a BullMQ job, enqueue to completion, against the shared local Redis. */
export async function runQueues(ctx: BenchContext): Promise<unknown> {
  const input: QueuesInput = ctx.quick ? { jobs: 50, rounds: 2, concurrency: 8 } : { jobs: 500, rounds: 9, concurrency: 8 };
  const result = await runWorker<{ rows: QueuesRow[] }>(new URL('./queues.worker.js', import.meta.url), input);
  printTable(
    `BullMQ jobs: add -> process -> completed, ${input.jobs} concurrent adds, 1 worker x ${input.concurrency} (median of ${input.rounds} interleaved rounds)`,
    ['contender', 'CPU µs/job', '× untraced', '±', 'wall µs/job', 'spans/job'],
    result.rows.map((r) => [r.label, r.cpuMicrosPerJob, r.cpuRatio, `${(r.spread * 100).toFixed(1)}%`, r.microsPerJob, r.spansPerJob]),
    ['CPU of the app process (producer and worker); Redis works in its own process and is not counted.'],
  );
  return result;
}
