import type { BenchContext } from '../run.js';
import { runWorker } from '../support/child-process.js';
import { printTable } from '../support/table.js';
import type { OutageInput, OutageResult } from './outage.worker.js';

/** Suite 4: memory and failure behaviour with the OTLP endpoint down (closed port) while spans keep coming. */
export async function runOutage(ctx: BenchContext): Promise<unknown> {
  const input: OutageInput = ctx.quick ? { spans: 10_000, checkpoints: 4, settleMs: 500 } : { spans: 250_000, checkpoints: 10, settleMs: 12_000 };
  const r = await runWorker<OutageResult>(new URL('./outage.worker.js', import.meta.url), input, { execArgv: ['--expose-gc'] });
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
      ['spans handed to the exporter', r.handedToExporter],
      ['spans dropped at the full batch queue (counted)', r.droppedAtQueue],
      ['exports attempted / failed (an export retries ECONNREFUSED for up to its 10 s timeout)', `${r.exportsAttempted} / ${r.exportsFailed}`],
      ['spans lost in failed exports', r.spansInFailedExports],
      ['spans exported', r.spansExported],
      ['unhandled rejections / uncaught exceptions', `${r.unhandledRejections} / ${r.uncaughtExceptions}`],
      ['last export error', r.lastExportError ?? '-'],
    ],
  );
  return r;
}
