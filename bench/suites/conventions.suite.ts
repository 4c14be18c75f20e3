import type { BenchContext } from '../run.js';
import { runWorker } from '../support/child-process.js';
import { printTable } from '../support/table.js';
import type { ConventionsInput, ConventionsRow } from './conventions.worker.js';

const SETS: ConventionsInput['sets'] = [
  { label: 'GenAI only', conventions: [] },
  { label: '+ OpenInference', conventions: ['openinference'] },
  { label: '+ Langfuse', conventions: ['langfuse'] },
  { label: '+ Traceloop', conventions: ['traceloop'] },
  { label: 'default (GenAI + OpenInference + Langfuse)', conventions: ['openinference', 'langfuse'] },
  { label: 'all four', conventions: ['openinference', 'traceloop', 'langfuse'] },
];

const ROLES = ['workflow', 'node', 'provider', 'provider (stream)', 'tool'];

/**
 * Suite 6: what each set of backend conventions costs per span, in attributes and in OTLP/protobuf bytes, for
 * one realistic trace (a workflow, two nodes, a chat call and a streamed one, a tool), content capture off and
 * on. Counts and bytes are deterministic (the same on every machine); the encode time is measured, interleaved.
 */
export async function runConventions(ctx: BenchContext): Promise<unknown> {
  const input: ConventionsInput = { sets: SETS, encodeRounds: ctx.quick ? 3 : 15, encodesPerRound: ctx.quick ? 200 : 2000 };
  const result = await runWorker<{ rows: ConventionsRow[] }>(new URL('./conventions.worker.js', import.meta.url), input);
  for (const capture of [false, true]) {
    printTable(
      `conventions: attributes / OTLP bytes per span, content capture ${capture ? 'on' : 'off'}`,
      ['set', ...ROLES, 'trace bytes', 'export bytes/span', 'encode µs/span', '±'],
      result.rows
        .filter((r) => r.captureContent === capture)
        .map((r) => [
          r.label,
          ...ROLES.map((role) => (r.roles[role] ? `${r.roles[role].attributes} / ${r.roles[role].bytes}` : '-')),
          r.traceBytes,
          r.exportBytesPerSpan,
          r.encodeMicrosPerSpan,
          `${(r.encodeSpread * 100).toFixed(1)}%`,
        ]),
      [
        'bytes: protobuf bytes the attributes add to an export request (span with attributes minus span without)',
        `export bytes/span: the whole trace in one OTLP/protobuf request (resource, scope, ids, times included) ÷ spans`,
        `encode µs/span: ProtobufTraceSerializer.serializeRequest of the whole trace ÷ spans, median of ${input.encodeRounds} interleaved rounds of ${input.encodesPerRound}`,
      ],
    );
  }
  return result;
}
