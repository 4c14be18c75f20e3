import type { BenchContext } from '../run.js';
import { runWorker } from '../support/child-process.js';
import { printTable } from '../support/table.js';
import type { PerCallInput, PerCallRow } from './per-call.worker.js';

/** Suite 1: cost of one traced call, ns/op, against the raw-OpenTelemetry floor and the peer libraries. */
export async function runPerCall(ctx: BenchContext): Promise<unknown> {
  const input: PerCallInput = ctx.quick
    ? { rounds: 3, warmupRounds: 1, callOps: 1000, workflowOps: 300 }
    : { rounds: 15, warmupRounds: 2, callOps: 20_000, workflowOps: 6_000 };
  const result = await runWorker<{ rows: PerCallRow[]; setup: Record<string, string> }>(
    new URL('./per-call.worker.js', import.meta.url),
    input,
    // NodeSDK (under Traceloop) would otherwise start OTLP metric and log exporters aimed at localhost.
    { env: { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' } },
  );
  printTable(
    'per-call overhead (CPU ns/op; ratio = ns/op ÷ floor of the same shape, per round; overhead = (x - plain) ÷ (floor - plain))',
    ['contender', 'CPU ns/op', '±', 'x floor', '± (MAD)', 'vs floor', 'wall x floor', 'overhead x floor', 'overhead ns', 'spans/op', 'attrs/span'],
    result.rows.map((r) => [
      r.label,
      r.nsPerOp,
      `${(r.spread * 100).toFixed(1)}%`,
      r.ratioToFloor,
      r.vsFloor.mad,
      r.id === r.floor ? '' : r.vsFloor.verdict === 'within' ? 'within spread' : r.vsFloor.verdict,
      r.wallVsFloor.ratio,
      r.spansPerOpExpected === 0 && r.id.startsWith('plain') ? undefined : r.overheadVsFloor,
      r.overheadNs,
      `${r.spansPerOpExported}/${r.spansPerOpExpected}`,
      r.attributesPerSpan,
    ]),
    [...Object.values(result.setup), ...result.rows.flatMap((r) => r.notes.map((n) => `${r.id}: ${n}`))],
  );
  const row = (id: string) => result.rows.find((r) => r.id === id);
  const ours = row('trace-workflow');
  const peer = row('nestjs-otel-workflow');
  const nesting = ours && peer ? { ratio: ours.ratioToFloor / peer.ratioToFloor, ours: ours.vsFloor, nestjsOtel: peer.vsFloor } : undefined;
  if (nesting) console.log(`  workflow + 3 nodes: ours ${ours!.ratioToFloor} x floor, nestjs-otel ${peer!.ratioToFloor} (ours ÷ theirs ${nesting.ratio.toFixed(3)})`);
  // The same comparison with nestjs-otel recording our attributes: what is left is the two wrappers' own work.
  const same = row('nestjs-otel-same-workflow');
  const nestingSameAttributes = ours && same ? { ratio: ours.ratioToFloor / same.ratioToFloor, ours: ours.vsFloor, nestjsOtel: same.vsFloor } : undefined;
  if (nestingSameAttributes) {
    console.log(`  workflow + 3 nodes, nestjs-otel given our attributes: ${same!.ratioToFloor} x floor (ours ÷ theirs ${nestingSameAttributes.ratio.toFixed(3)})`);
  }
  return { ...result, nesting, nestingSameAttributes };
}
