import type { BenchContext } from '../run.js';
import { runWorker } from '../support/child-process.js';
import { printTable } from '../support/table.js';
import { inFlight } from './outage.counters.js';
import type { OutageInput, OutageResult } from './outage.worker.js';

/** Suite 4: memory and failure behaviour with the OTLP endpoint down (closed port) while spans keep coming. */
export async function runOutage(ctx: BenchContext): Promise<unknown> {
  const input: OutageInput = ctx.quick ? { spans: 10_000, checkpoints: 4, settleMs: 500 } : { spans: 250_000, checkpoints: 10, settleMs: 12_000 };
  const r = await runWorker<OutageResult>(new URL('./outage.worker.js', import.meta.url), input, { execArgv: ['--expose-gc'] });
  const p = r.pipeline;
  const c = r.pipelineAfterClose;
  printTable(
    `exporter outage: ${r.spansCreated.toLocaleString('en-US')} spans through the decorators, OTLP endpoint on a closed port (after full GC)`,
    ['figure', 'value'],
    [
      ['heap before / after / after settle, MB', `${r.before.heapMb} / ${r.after.heapMb} / ${r.afterSettle.heapMb}`],
      ['heap growth, MB', r.heapGrowthMb],
      ['RSS before / after / after settle, MB', `${r.before.rssMb} / ${r.after.rssMb} / ${r.afterSettle.rssMb}`],
      ['RSS growth, MB', r.rssGrowthMb],
      ['heap slope over 2nd half, MB per 100k spans', r.secondHalfSlopeMbPer100k],
      ['heap at checkpoints, MB', r.checkpoints.map((c) => c.heapMb).join(' ')],
      ['spans/s while the endpoint is down', r.spansPerSecond],
      ['spans made (warm-up included) / started (pipeline)', `${count(r.spansMade)} / ${count(p.started)}`],
      ['dropped at the full export queue (counted by the queue)', count(p.dropped)],
      ['lost in failed exports (counted by the queue)', count(p.failed)],
      ['exported', count(p.exported)],
      ['in flight before close, not dropped: queued / exporting / open', `${count(p.queued)} / ${count(p.exporting)} / ${count(p.open)}`],
      ['after close: dropped / failed / still in flight (cut by the shutdown timeout)', `${count(c.dropped)} / ${count(c.failed)} / ${count(inFlight(c))}`],
      ['exports attempted / failed (wrapper; an export retries ECONNREFUSED for up to its 10 s timeout)', `${r.exporterSaw.exports} / ${r.exporterSaw.failedExports}`],
      ['unhandled rejections / uncaught exceptions', `${r.unhandledRejections} / ${r.uncaughtExceptions}`],
      ['last export error', r.lastExportError ?? '-'],
    ],
  );
  printTable(
    'exporter outage: cross-check of the counters (the bench, the pipeline\'s TracingService.health(), a counting wrapper around the exporter)',
    ['check', 'expected', 'actual', ''],
    r.checks.map((k) => [k.check, count(k.expected), count(k.actual), k.ok ? 'ok' : 'MISMATCH']),
  );
  const wrong = r.checks.filter((k) => !k.ok);
  if (wrong.length > 0) throw new Error(`outage: the counters do not add up: ${wrong.map((k) => `${k.check}: expected ${k.expected}, got ${k.actual}`).join('; ')}`);
  return r;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
