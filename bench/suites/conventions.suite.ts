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
 * on. Deterministic: no timing, the same figures on every machine.
 */
export async function runConventions(_ctx: BenchContext): Promise<unknown> {
  const result = await runWorker<{ rows: ConventionsRow[] }>(new URL('./conventions.worker.js', import.meta.url), { sets: SETS });
  for (const capture of [false, true]) {
    printTable(
      `conventions: attributes / OTLP bytes per span, content capture ${capture ? 'on' : 'off'}`,
      ['set', ...ROLES, 'trace bytes'],
      result.rows
        .filter((r) => r.captureContent === capture)
        .map((r) => [r.label, ...ROLES.map((role) => (r.roles[role] ? `${r.roles[role].attributes} / ${r.roles[role].bytes}` : '-')), r.traceBytes]),
      ['bytes: protobuf bytes the attributes add to an export request (span with attributes minus span without)'],
    );
  }
  return result;
}
