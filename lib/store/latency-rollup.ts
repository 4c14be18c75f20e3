import type { SpanRow } from './span-row.js';

/**
 * Pre-aggregated latency of the slowest report. Percentiles need every duration of a group sorted, which over a
 * full store takes seconds; so each span adds itself, as it is written, to a small histogram row per 5-minute
 * interval, group and duration bin (`latency_rollup`), and the report sums those rows: its cost depends on the
 * number of intervals and groups, not on the number of spans. Spans past the per-trace cap count too.
 *
 * Bins grow by 2^(1/8) (9%): a percentile is reported as the largest duration seen in its bin, an observed
 * value at most 9% above the exact nearest-rank percentile. Count, errors, average and max are exact.
 */
export const LATENCY_INTERVAL_MS = 300_000;

/** A window widened to whole intervals: the one the histograms can answer for. */
export function alignToIntervals(w: { sinceMs: number | null; untilMs: number | null }): { sinceMs: number | null; untilMs: number | null } {
  const edge = (ms: number | null, round: (x: number) => number) => (ms === null ? null : round(ms / LATENCY_INTERVAL_MS) * LATENCY_INTERVAL_MS);
  return { sinceMs: edge(w.sinceMs, Math.floor), untilMs: edge(w.untilMs, Math.ceil) };
}

/** Bins per doubling of the duration. */
export const LATENCY_BINS_PER_DOUBLING = 8;

/** The bin of a duration in ms (SQL expression over `ms`; durations under 1 µs share one bin). */
export function latencyBinSql(ms: string): string {
  return `CAST(ceil(log2(MAX(${ms}, 0.001)) * ${LATENCY_BINS_PER_DOUBLING}) AS INTEGER)`;
}

/** Group keys are stored at most this long (a span name used as key can be anything). */
const MAX_KEY = 200;

/** Adds one span to its histogram row. */
export const UPSERT_LATENCY = `
  INSERT INTO latency_rollup (bucket_ms, grp, key, bin, detail, count, errors, sum_ms, max_ms)
  VALUES (@bucketMs, @grp, @key, ${latencyBinSql('@ms')}, @detail, 1, @failed, @ms, @ms)
  ON CONFLICT (grp, bucket_ms, key, bin) DO UPDATE SET
    count = count + 1,
    errors = errors + excluded.errors,
    sum_ms = sum_ms + excluded.sum_ms,
    max_ms = MAX(max_ms, excluded.max_ms),
    detail = COALESCE(MAX(detail, excluded.detail), detail, excluded.detail)`;

/**
 * Adds the spans matching `spanFilter` (SQL over the `spans` table) to the histograms in one statement, as the
 * writer would have span by span: how a store written before the histograms existed gets them.
 */
export function latencyBackfillSql(spanFilter: string): string {
  const interval = `floor(start_ms / ${LATENCY_INTERVAL_MS}) * ${LATENCY_INTERVAL_MS}`;
  const failed = 'CASE WHEN error_type IS NOT NULL THEN 1 ELSE 0 END';
  return `
  INSERT INTO latency_rollup (bucket_ms, grp, key, bin, detail, count, errors, sum_ms, max_ms)
  SELECT bucket_ms, grp, key, ${latencyBinSql('ms')} AS bin, MAX(detail), COUNT(*), SUM(failed), SUM(ms), MAX(ms)
  FROM (
    SELECT ${interval} AS bucket_ms, 'node' AS grp, substr(COALESCE(node_type, name), 1, ${MAX_KEY}) AS key, role AS detail,
      MAX(duration_ms, 0) AS ms, ${failed} AS failed
    FROM spans WHERE role IN ('node', 'agent_task', 'agent_step', 'tool') AND (${spanFilter})
    UNION ALL
    SELECT ${interval}, 'provider', substr(provider, 1, ${MAX_KEY}), NULL, MAX(duration_ms, 0), ${failed}
    FROM spans WHERE llm_call = 1 AND provider IS NOT NULL AND (${spanFilter})
    UNION ALL
    SELECT ${interval}, 'model', substr(model, 1, ${MAX_KEY}), provider, MAX(duration_ms, 0), ${failed}
    FROM spans WHERE llm_call = 1 AND model IS NOT NULL AND (${spanFilter})
  )
  WHERE true
  GROUP BY bucket_ms, grp, key, bin
  ON CONFLICT (grp, bucket_ms, key, bin) DO UPDATE SET
    count = count + excluded.count,
    errors = errors + excluded.errors,
    sum_ms = sum_ms + excluded.sum_ms,
    max_ms = MAX(max_ms, excluded.max_ms),
    detail = COALESCE(MAX(detail, excluded.detail), detail, excluded.detail)`;
}

/** Parameters of `UPSERT_LATENCY`. */
export interface LatencyParams {
  bucketMs: number;
  grp: 'node' | 'provider' | 'model';
  key: string;
  detail: string | null;
  ms: number;
  failed: 0 | 1;
}

const NODE_ROLES = new Set(['node', 'agent_task', 'agent_step', 'tool']);

/**
 * The histogram rows a span feeds: a workflow node, agent step or tool by node type (else name), with its role;
 * an LLM call by provider, and by model with its provider.
 */
export function latencyParams(row: SpanRow): LatencyParams[] {
  const out: LatencyParams[] = [];
  const bucketMs = Math.floor(row.startMs / LATENCY_INTERVAL_MS) * LATENCY_INTERVAL_MS;
  const base = { bucketMs, ms: Math.max(0, row.durationMs), failed: row.isError };
  if (row.role !== null && NODE_ROLES.has(row.role)) out.push({ ...base, grp: 'node', key: (row.nodeType ?? row.name).slice(0, MAX_KEY), detail: row.role });
  if (row.llmCall === 1 && row.provider !== null) out.push({ ...base, grp: 'provider', key: row.provider.slice(0, MAX_KEY), detail: null });
  if (row.llmCall === 1 && row.model !== null) out.push({ ...base, grp: 'model', key: row.model.slice(0, MAX_KEY), detail: row.provider });
  return out;
}
