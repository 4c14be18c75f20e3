import { withSpread, type PairedRatio } from './stats.js';
import { printTable, type Cell } from './table.js';

/** The suites' results of one Node runtime, as written to latest.json. */
export interface RuntimeResults {
  node: string;
  suites: Record<string, unknown>;
}

interface RequestRow {
  id: string;
  cpuMicrosPerRequest: number;
  cpuSpread: number;
  cpuRatio: number;
  cpuVsFloor: PairedRatio;
  rpsRatio: number;
}
interface CallRow {
  id: string;
  ratioToFloor: number;
  vsFloor: PairedRatio;
}

/** One headline figure per line, the runtimes side by side (each with its spread): what the README table shows. */
export function printRuntimeSummary(runtimes: RuntimeResults[]): void {
  const lines: Array<{ label: string; cell: (s: Record<string, unknown>) => Cell }> = [
    ...(['hand-written', 'tracing-module', 'auto-instrumentation', 'both'] as const).map((id) => ({
      label: `per request, app CPU µs (x floor): ${id}`,
      cell: (s: Record<string, unknown>) => {
        const r = requestRow(s, id);
        return r ? `${r.cpuMicrosPerRequest.toFixed(0)} ±${(r.cpuSpread * 100).toFixed(0)}% (${withSpread(r.cpuVsFloor.ratio, r.cpuVsFloor.mad)})` : undefined;
      },
    })),
    {
      label: 'per request, (b) TracingModule ÷ (c) auto-instrumentation, app CPU',
      cell: (s) => {
        const h = (s['per-request'] as { tracingModuleVsAutoInstrumentationCpu?: PairedRatio } | undefined)?.tracingModuleVsAutoInstrumentationCpu;
        return h ? `${withSpread(h.ratio, h.mad)} ${h.verdict === 'within' ? 'within spread' : h.verdict}` : undefined;
      },
    },
    ...(['trace-node', 'nestjs-otel', 'nestjs-otel-same', 'trace-provider', 'trace-workflow', 'nestjs-otel-workflow', 'nestjs-otel-same-workflow', 'traceloop-no-content'] as const).map((id) => ({
      label: `per call, x floor: ${id}`,
      cell: (s: Record<string, unknown>) => {
        const r = callRow(s, id);
        return r ? withSpread(r.vsFloor.ratio, r.vsFloor.mad) : undefined;
      },
    })),
    {
      label: 'streaming, overhead ns/chunk (@TraceProvider / hand-written span)',
      cell: (s) => {
        const rows = (s.streaming as { rows?: Array<{ id: string; overheadNsPerChunk: number }> } | undefined)?.rows;
        const of = (id: string) => rows?.find((r) => r.id === id)?.overheadNsPerChunk;
        return rows ? `${of('trace-provider')} / ${of('otel-floor')}` : undefined;
      },
    },
    {
      label: 'outage, heap growth MB (250k spans)',
      cell: (s) => (s.outage as { heapGrowthMb?: number } | undefined)?.heapGrowthMb,
    },
    {
      label: 'cost, µs per warm calculate',
      cell: (s) => (s.cost as { rows?: Array<{ id: string; microsPerCall: number }> } | undefined)?.rows?.find((r) => r.id === 'cost-service')?.microsPerCall,
    },
  ];
  printTable(
    'summary by runtime (median ±MAD; ratios paired within rounds)',
    ['figure', ...runtimes.map((r) => `Node ${r.node}`)],
    lines.map((l) => [l.label, ...runtimes.map((r) => l.cell(r.suites) ?? '-')]).map((row) => row.map((c) => (typeof c === 'number' ? String(c) : c))),
  );
}

function requestRow(suites: Record<string, unknown>, id: string): RequestRow | undefined {
  return (suites['per-request'] as { rows?: RequestRow[] } | undefined)?.rows?.find((r) => r.id === id);
}

function callRow(suites: Record<string, unknown>, id: string): CallRow | undefined {
  return (suites['per-call'] as { rows?: CallRow[] } | undefined)?.rows?.find((r) => r.id === id);
}
