import type { CostGroupBy } from '../trace-query.types.js';
import type { TimeWindow, TraceListFilters } from '../trace-query.validation.js';
import type { SqlQuery } from './store-query.js';

/**
 * The SQL text of every read query of the trace store (SQLite dialect), built from validated arguments only:
 * fixed SQL chosen by validated enums, every value a bound parameter. Result shapes and paging are decided by
 * `TraceStoreService`; a second backend supplies its own `TraceStoreDialect`.
 */

const TRACE_COLUMNS = `
  trace_id AS traceId, root_span_id AS rootSpanId, name, service, start_ms AS startMs, end_ms AS endMs,
  duration_ms AS durationMs, status, user_id AS userId, tenant_id AS tenantId, session_id AS sessionId, workflow,
  workflow_id AS workflowId, cost_usd AS costUsd, input_tokens AS inputTokens, output_tokens AS outputTokens,
  llm_calls AS llmCalls, span_count AS spanCount, stored_spans AS storedSpans, error_count AS errorCount,
  error_type AS errorType`;

const SPAN_COLUMNS = `
  s.trace_id AS traceId, s.span_id AS spanId, s.parent_span_id AS parentSpanId, s.name, s.kind, s.role, s.status,
  s.status_message AS statusMessage, s.start_ms AS startMs, s.end_ms AS endMs, s.duration_ms AS durationMs, s.service,
  s.attributes, s.events, s.cost_usd AS costUsd, s.total_cost_usd AS totalCostUsd, s.input_tokens AS inputTokens,
  s.output_tokens AS outputTokens, s.model, s.provider, s.error_type AS errorType, s.node_type AS nodeType`;

/** Group keys of the cost report: fixed SQL, chosen by the validated `groupBy`, never built from input. */
const COST_KEYS: Record<CostGroupBy, string> = {
  user: 'user_id',
  tenant: 'tenant_id',
  workflow: 'workflow',
  provider: 'provider',
  model: 'model',
  kind: 'kind',
  day: "strftime('%Y-%m-%d', at_ms / 1000.0, 'unixepoch')",
};

/** Sums of a group of cost rows: cost of every kind; calls, unpriced and unsampled ones among the LLM calls. */
const COST_SUMS = `
  SUM(COALESCE(cost_usd, 0)) AS costUsd, SUM(input_tokens) AS inputTokens, SUM(output_tokens) AS outputTokens,
  SUM(CASE WHEN kind = 'tokens' THEN 1 ELSE 0 END) AS llmCalls,
  SUM(CASE WHEN kind = 'tokens' AND cost_usd IS NULL THEN 1 ELSE 0 END) AS unpricedCalls,
  SUM(CASE WHEN kind = 'tokens' AND sampled = 0 THEN 1 ELSE 0 END) AS unsampledCalls, COUNT(DISTINCT trace_id) AS traces`;

/** Which group of the slowest report (`latency_rollup.grp`). */
export type LatencyGroup = 'node' | 'provider' | 'model';

/** The trace list: `count` (all pages) and `page` (one more row than `limit`, to tell whether more follow). */
export function traceListSql(f: TraceListFilters): { count: SqlQuery; page: SqlQuery } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (f.sinceMs !== null) add('start_ms >= ?', f.sinceMs);
  if (f.untilMs !== null) add('start_ms < ?', f.untilMs);
  if (f.status) add('status = ?', f.status);
  if (f.hasError !== undefined) add(f.hasError ? 'error_count > 0' : 'error_count = 0');
  if (f.minDurationMs !== undefined) add('duration_ms >= ?', f.minDurationMs);
  if (f.user !== undefined) add('user_id = ?', f.user);
  if (f.workflow !== undefined) add('workflow = ?', f.workflow);
  if (f.service !== undefined) add('service = ?', f.service);
  if (f.name !== undefined) add("name LIKE ? ESCAPE '\\'", `%${f.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const count = { sql: `SELECT COUNT(*) AS n FROM traces ${whereOf(where)}`, params: [...params] };
  if (f.cursor) add('(start_ms < ? OR (start_ms = ? AND trace_id < ?))', f.cursor.startMs, f.cursor.startMs, f.cursor.traceId);
  const page = {
    sql: `SELECT ${TRACE_COLUMNS} FROM traces ${whereOf(where)} ORDER BY start_ms DESC, trace_id DESC LIMIT ? OFFSET ?`,
    params: [...params, f.limit + 1, f.offset],
  };
  return { count, page };
}

/** One trace row. */
export function traceSql(traceId: string): SqlQuery {
  return { sql: `SELECT ${TRACE_COLUMNS} FROM traces WHERE trace_id = ?`, params: [traceId] };
}

/**
 * One page of a trace's spans by start time: at most `limit` spans after `offset`, and no more than
 * `maxChars` characters of attributes and events in all (always at least one span), so a page of large spans
 * is shorter rather than heavier.
 */
export function traceSpansSql(traceId: string, offset: number, limit: number, maxChars: number): SqlQuery {
  return {
    sql: `
      WITH page AS (
        SELECT rowid AS rid, start_ms, span_id, length(attributes) + COALESCE(length(events), 0) AS chars
        FROM spans WHERE trace_id = ? ORDER BY start_ms, span_id LIMIT ? OFFSET ?
      ), budget AS (
        SELECT rid, SUM(chars) OVER w AS running, ROW_NUMBER() OVER w AS n FROM page
        WINDOW w AS (ORDER BY start_ms, span_id ROWS UNBOUNDED PRECEDING)
      )
      SELECT ${SPAN_COLUMNS} FROM budget b JOIN spans s ON s.rowid = b.rid
      WHERE b.running <= ? OR b.n = 1 ORDER BY s.start_ms, s.span_id`,
    params: [traceId, limit, offset, maxChars],
  };
}

/** The cost report's rows and total, from the per-call cost rows (every provider call, sampled or not). */
export function costReportSql(q: TimeWindow & { groupBy: CostGroupBy; limit: number }): { rows: SqlQuery; total: SqlQuery } {
  const { clause, params } = timeClause('at_ms', q);
  const from = `FROM cost_calls WHERE 1 = 1 ${clause}`;
  const order = q.groupBy === 'day' ? 'key DESC' : 'costUsd DESC, llmCalls DESC, key';
  return {
    rows: { sql: `SELECT ${COST_KEYS[q.groupBy]} AS key, ${COST_SUMS} ${from} GROUP BY key ORDER BY ${order} LIMIT ?`, params: [...params, q.limit] },
    total: { sql: `SELECT ${COST_SUMS} ${from}`, params },
  };
}

/**
 * p50/p95, max, average and failures of one group in a window, slowest p95 first, from the latency histograms
 * (`latency_rollup`, see latency-rollup.ts): a percentile is the largest duration seen in the bin holding its
 * nearest rank. `q` is aligned to the histogram intervals (`alignToIntervals` of latency-rollup.ts).
 */
export function latencySql(group: LatencyGroup, q: TimeWindow & { limit: number }): SqlQuery {
  const { clause, params } = timeClause('bucket_ms', q);
  return {
    sql: `
      WITH bins AS (
        SELECT key, MAX(detail) AS detail, bin, SUM(count) AS n, SUM(errors) AS errors, SUM(sum_ms) AS sum_ms, MAX(max_ms) AS max_ms
        FROM latency_rollup WHERE grp = ? ${clause} GROUP BY key, bin
      ), ranked AS (
        SELECT *, SUM(n) OVER (PARTITION BY key ORDER BY bin ROWS UNBOUNDED PRECEDING) AS running,
          SUM(n) OVER (PARTITION BY key) AS total
        FROM bins
      )
      SELECT key, MAX(detail) AS detail, MAX(total) AS count, SUM(errors) AS errorCount, SUM(sum_ms) / MAX(total) AS avgMs,
        MAX(max_ms) AS maxMs,
        MIN(CASE WHEN running >= (total + 1) / 2 THEN max_ms END) AS p50Ms,
        MIN(CASE WHEN running >= (95 * total + 99) / 100 THEN max_ms END) AS p95Ms
      FROM ranked GROUP BY key ORDER BY p95Ms DESC, key LIMIT ?`,
    params: [group, ...params, q.limit],
  };
}

/** Failed spans by `error.type`; with MAX(), SQLite takes the bare columns from the latest failure's row. */
export function errorSummarySql(q: TimeWindow & { limit: number }): SqlQuery {
  const { clause, params } = timeClause('start_ms', q);
  return {
    sql: `SELECT error_type AS errorType, COUNT(*) AS spans, COUNT(DISTINCT trace_id) AS traces, MAX(start_ms) AS lastSeenMs,
        trace_id AS lastTraceId, status_message AS lastMessage
      FROM spans WHERE error_type IS NOT NULL ${clause}
      GROUP BY error_type ORDER BY traces DESC, spans DESC, errorType LIMIT ?`,
    params: [...params, q.limit],
  };
}

/** Row counts of the store (spans past the per-trace cap of the stored traces too), and the bytes of its pages in use (free pages are reused before the file grows). */
export function countsSql(): SqlQuery {
  return {
    sql: `SELECT (SELECT COUNT(*) FROM traces) AS traces, (SELECT COUNT(*) FROM spans) AS spans,
      (SELECT COUNT(*) FROM cost_calls) AS costRows,
      (SELECT COALESCE(SUM(span_count - stored_spans), 0) FROM traces) AS spansOverCap,
      ((SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count()))
        * (SELECT page_size FROM pragma_page_size()) AS sizeBytes`,
    params: [],
  };
}

function whereOf(clauses: string[]): string {
  return clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
}

function timeClause(column: string, w: TimeWindow): { clause: string; params: number[] } {
  const parts: string[] = [];
  const params: number[] = [];
  if (w.sinceMs !== null) {
    parts.push(`AND ${column} >= ?`);
    params.push(w.sinceMs);
  }
  if (w.untilMs !== null) {
    parts.push(`AND ${column} < ?`);
    params.push(w.untilMs);
  }
  return { clause: parts.join(' '), params };
}

/**
 * The SQL text of each read query in one dialect. `TraceStoreService` validates, pages and shapes the results;
 * a backend supplies one of these and a `StoreQueryRunner`, and nothing else changes.
 */
export interface TraceStoreDialect {
  traceList: typeof traceListSql;
  trace: typeof traceSql;
  traceSpans: typeof traceSpansSql;
  costReport: typeof costReportSql;
  latency: typeof latencySql;
  errorSummary: typeof errorSummarySql;
  counts: typeof countsSql;
}

/** The SQLite dialect of the embedded store. */
export const SQLITE_DIALECT: TraceStoreDialect = {
  traceList: traceListSql,
  trace: traceSql,
  traceSpans: traceSpansSql,
  costReport: costReportSql,
  latency: latencySql,
  errorSummary: errorSummarySql,
  counts: countsSql,
};
