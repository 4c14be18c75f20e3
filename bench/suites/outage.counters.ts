import type { ExporterHealth, TracingHealth } from '../../lib/index.js';

/** What the counting wrapper around the outage bench's exporter saw. */
export interface ExporterCounts {
  handed: number;
  exports: number;
  failedExports: number;
  failedSpans: number;
  succeededSpans: number;
}

/** The pipeline's counters of the one exporter, as `TracingService.health()` reports them (its span counts beside). */
export type PipelineCounts = Pick<ExporterHealth, 'exported' | 'dropped' | 'failed' | 'queued' | 'exporting' | 'failedExports'> &
  NonNullable<TracingHealth['spans']>;

/** One figure that must equal another. */
export interface CounterCheck {
  check: string;
  expected: number;
  actual: number;
  ok: boolean;
}

export function pipelineCounts(health: TracingHealth): PipelineCounts {
  const [e, ...others] = health.exporters;
  if (!e || others.length > 0 || !health.spans) throw new Error(`expected one exporter and span counts, got ${JSON.stringify(health)}`);
  const { started, ended, open } = health.spans;
  return { started, ended, open, exported: e.exported, dropped: e.dropped, failed: e.failed, queued: e.queued, exporting: e.exporting, failedExports: e.failedExports };
}

/** In flight: neither exported, dropped nor failed yet (queued, in an export call, or a span not ended). */
export function inFlight(p: PipelineCounts): number {
  return p.queued + p.exporting + p.open;
}

/** The pipeline's counters and the wrapper's, read at the same moment. */
export interface CountsAt {
  pipeline: PipelineCounts;
  exporter: ExporterCounts;
}

/**
 * The cross-checks: the bench's own count against the pipeline's, the pipeline's invariant, and the pipeline
 * against what the exporter itself received and answered; before close and after it.
 */
export function counterChecks(made: number, before: CountsAt, closed: CountsAt): CounterCheck[] {
  const eq = (check: string, expected: number, actual: number): CounterCheck => ({ check, expected, actual, ok: expected === actual });
  const at = (when: string, { pipeline: p, exporter: saw }: CountsAt): CounterCheck[] => [
    eq(`${when}: spans made by the bench = spans started (pipeline)`, made, p.started),
    eq(`${when}: started = exported + dropped + failed + queued + exporting + open`, p.started, p.exported + p.dropped + p.failed + inFlight(p)),
    eq(`${when}: handed to the exporter (wrapper) = exported + failed + exporting`, saw.handed, p.exported + p.failed + p.exporting),
    eq(`${when}: spans in failed exports (wrapper) = failed (pipeline)`, saw.failedSpans, p.failed),
    eq(`${when}: failed exports (wrapper) = failed exports (pipeline)`, saw.failedExports, p.failedExports),
    eq(`${when}: spans acknowledged (wrapper) = exported (pipeline)`, saw.succeededSpans, p.exported),
  ];
  return [
    ...at('before close', before),
    ...at('after close', closed),
    eq('close dropped no span (what was in flight is not counted as dropped)', before.pipeline.dropped, closed.pipeline.dropped),
  ];
}
