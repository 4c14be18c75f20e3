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
  // Ours ÷ nestjs-otel's nesting, each against the same floor: as nestjs-otel's README writes it, and recording our
  // attributes (what is left then is the two wrappers' own work).
  const against = (peerId: string, label: string) => {
    const peer = row(peerId);
    if (!ours || !peer) return undefined;
    const ratio = ours.ratioToFloor / peer.ratioToFloor;
    console.log(`  workflow + 3 nodes: ours ${ours.ratioToFloor} x floor, ${label} ${peer.ratioToFloor} (ours ÷ theirs ${ratio.toFixed(3)})`);
    return { ratio, ours: ours.vsFloor, nestjsOtel: peer.vsFloor };
  };
  const nesting = against('nestjs-otel-workflow', 'nestjs-otel');
  const nestingSameAttributes = against('nestjs-otel-same-workflow', 'nestjs-otel given our attributes');
  return { ...result, nesting, nestingSameAttributes };
}
