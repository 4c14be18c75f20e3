import type { BenchContext } from '../run.js';
import { runWorker } from '../support/child-process.js';
import { printTable } from '../support/table.js';
import type { CostInput, CostRow } from './cost.worker.js';

/** Suite 3: µs per warm `CostService.calculate`, against calling the pricing library directly. */
export async function runCost(ctx: BenchContext): Promise<unknown> {
  const input: CostInput = ctx.quick ? { rounds: 3, calls: 2_000 } : { rounds: 11, calls: 10_000 };
  const result = await runWorker<{ rows: CostRow[]; models: string[] }>(new URL('./cost.worker.js', import.meta.url), input);
  printTable(
    `cost calculation (µs/call, median of ${input.rounds} rounds of ${input.calls} calls over ${result.models.length} models)`,
    ['contender', 'µs/call', '±', 'first call per model, µs', 'same prices'],
    result.rows.map((r) => [r.label, r.microsPerCall, `${(r.spread * 100).toFixed(1)}%`, r.firstCallMicros.join(' / '), r.agrees ? 'yes' : 'NO']),
    [`models: ${result.models.join(', ')}`],
  );
  return result;
}
