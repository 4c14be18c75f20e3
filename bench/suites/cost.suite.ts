import type { BenchContext } from '../run.js';
import { runWorker } from '../support/child-process.js';
import { printTable } from '../support/table.js';
import type { CostInput, CostRow } from './cost.worker.js';

/**
 * Suite 3: µs per warm `CostService.calculate`, against calling the pricing library directly. The first call per
 * model is timed in a fresh child for each contender, so neither is timed after the other warmed shared data.
 */
export async function runCost(ctx: BenchContext): Promise<unknown> {
  const input: CostInput = ctx.quick ? { rounds: 3, calls: 2_000 } : { rounds: 11, calls: 10_000 };
  const worker = new URL('./cost.worker.js', import.meta.url);
  const warm = await runWorker<{ rows: Array<Omit<CostRow, 'firstCallMicros'>>; models: string[] }>(worker, input);
  const rows: CostRow[] = [];
  for (const row of warm.rows) {
    const cold = await runWorker<{ firstCallMicros: number[] }>(worker, { ...input, cold: row.id });
    rows.push({ ...row, firstCallMicros: cold.firstCallMicros });
  }
  const result = { models: warm.models, rows };
  printTable(
    `cost calculation (µs/call, median of ${input.rounds} rounds of ${input.calls} calls over ${result.models.length} models)`,
    ['contender', 'µs/call', '±', 'first call per model (fresh child), µs', 'same prices'],
    result.rows.map((r) => [r.label, r.microsPerCall, `${(r.spread * 100).toFixed(1)}%`, r.firstCallMicros.join(' / '), r.agrees ? 'yes' : 'NO']),
    [`models: ${result.models.join(', ')}`],
  );
  return result;
}
