import type { CostGroupBy } from '../trace-query.types.js';
import type { TimeWindow, TraceListFilters } from '../trace-query.validation.js';
import type { SqlQuery } from './store-query.js';

/**
 * The SQL text of every read query of the trace store, built from validated arguments only: fixed SQL chosen by
 * validated enums, every value a bound parameter (`?`; a runner whose database numbers them rewrites them).
 * Written once in SQL both SQLite and PostgreSQL run (aliases quoted, no rowid, no bare columns); the few
 * expressions that differ come from a `SqlFlavor`. Result shapes and paging are decided by `TraceStoreService`.
 */

/** What differs between the SQL of the two backends. */
export interface SqlFlavor {
  /** `YYYY-MM-DD` (UTC) of an epoch-ms column. */
  day(column: string): string;
  /** Case-insensitive `LIKE` (SQLite's `LIKE` is, for ASCII; PostgreSQL needs `ILIKE`). */
  like: 'LIKE' | 'ILIKE';
  /** Row counts and the bytes the store's tables take. */
  counts: SqlQuery;
}

const TRACE_COLUMNS = `
  trace_id AS "traceId", root_span_id AS "rootSpanId", name, service, instance_id AS "instanceId", start_ms AS "startMs",
  end_ms AS "endMs", duration_ms AS "durationMs", status, user_id AS "userId", tenant_id AS "tenantId",
  session_id AS "sessionId", workflow, workflow_id AS "workflowId", cost_usd AS "costUsd", input_tokens AS "inputTokens",
  output_tokens AS "outputTokens", llm_calls AS "llmCalls", span_count AS "spanCount", stored_spans AS "storedSpans",
  error_count AS "errorCount", error_type AS "errorType"`;

const SPAN_COLUMNS = `
  s.trace_id AS "traceId", s.span_id AS "spanId", s.parent_span_id AS "parentSpanId", s.name, s.kind, s.role, s.status,
  s.status_message AS "statusMessage", s.start_ms AS "startMs", s.end_ms AS "endMs", s.duration_ms AS "durationMs", s.service,
  s.instance_id AS "instanceId", s.attributes, s.events, s.cost_usd AS "costUsd", s.total_cost_usd AS "totalCostUsd",
  s.input_tokens AS "inputTokens", s.output_tokens AS "outputTokens", s.model, s.provider, s.error_type AS "errorType",
  s.node_type AS "nodeType"`;

/** Group keys of the cost report: fixed SQL, chosen by the validated `groupBy`, never built from input. */
const COST_KEYS: Record<Exclude<CostGroupBy, 'day'>, string> = {
  user: 'user_id',
  tenant: 'tenant_id',
  workflow: 'workflow',
  provider: 'provider',
  model: 'model',
  kind: 'kind',
};

/** Sums of a group of cost rows: cost of every kind; calls, unpriced and unsampled ones among the LLM calls. */
const COST_SUMS = `
  SUM(COALESCE(cost_usd, 0)) AS "costUsd", SUM(input_tokens) AS "inputTokens", SUM(output_tokens) AS "outputTokens",
  SUM(CASE WHEN kind = 'tokens' THEN 1 ELSE 0 END) AS "llmCalls",
  SUM(CASE WHEN kind = 'tokens' AND cost_usd IS NULL THEN 1 ELSE 0 END) AS "unpricedCalls",
  SUM(CASE WHEN kind = 'tokens' AND sampled = 0 THEN 1 ELSE 0 END) AS "unsampledCalls", COUNT(DISTINCT trace_id) AS traces`;

/** Most runs a forecast reads (the newest), over every workflow. */
export const FORECAST_MAX_RUNS = 20_000;

/**
 * The runs of workflows in a window, newest first, from the per-call cost rows (every provider call, sampled or
 * not, from every replica): a run is the calls of one workflow in one trace, its cost their sum, unpriced when one
 * of its LLM calls had no price.
 */
function workflowRunsSql(q: TimeWindow & { workflow: string | undefined }): SqlQuery {
  const { clause, params } = timeClause('at_ms', q);
  const only = q.workflow === undefined ? '' : 'AND workflow = ?';
  return {
    sql: `
      SELECT workflow, SUM(COALESCE(cost_usd, 0)) AS "costUsd",
        MAX(CASE WHEN kind = 'tokens' AND cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced, MIN(at_ms) AS "startMs"
      FROM cost_calls WHERE workflow IS NOT NULL AND trace_id IS NOT NULL ${clause} ${only}
      GROUP BY workflow, trace_id ORDER BY "startMs" DESC LIMIT ?`,
    params: [...params, ...(q.workflow === undefined ? [] : [q.workflow]), FORECAST_MAX_RUNS],
  };
}

/** Which group of the slowest report (`latency_rollup.grp`). */
export type LatencyGroup = 'node' | 'provider' | 'model';

/** The trace list: `count` (all pages) and `page` (one more row than `limit`, to tell whether more follow). */
function traceListSql(flavor: SqlFlavor, f: TraceListFilters): { count: SqlQuery; page: SqlQuery } {
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
  if (f.name !== undefined) add(`name ${flavor.like} ? ESCAPE '\\'`, `%${f.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const count = { sql: `SELECT COUNT(*) AS n FROM traces ${whereOf(where)}`, params: [...params] };
  if (f.cursor) add('(start_ms < ? OR (start_ms = ? AND trace_id < ?))', f.cursor.startMs, f.cursor.startMs, f.cursor.traceId);
  const page = {
    sql: `SELECT ${TRACE_COLUMNS} FROM traces ${whereOf(where)} ORDER BY start_ms DESC, trace_id DESC LIMIT ? OFFSET ?`,
    params: [...params, f.limit + 1, f.offset],
  };
  return { count, page };
}

/** One trace row. */
function traceSql(traceId: string): SqlQuery {
  return { sql: `SELECT ${TRACE_COLUMNS} FROM traces WHERE trace_id = ?`, params: [traceId] };
}

/**
 * One page of a trace's spans by start time: at most `limit` spans after `offset`, and no more than
 * `maxChars` characters of attributes and events in all (always at least one span), so a page of large spans
 * is shorter rather than heavier.
 */
function traceSpansSql(traceId: string, offset: number, limit: number, maxChars: number): SqlQuery {
  return {
    sql: `
      WITH page AS (
        SELECT trace_id, span_id, start_ms, length(attributes) + COALESCE(length(events), 0) AS chars
        FROM spans WHERE trace_id = ? ORDER BY start_ms, span_id LIMIT ? OFFSET ?
      ), budget AS (
        SELECT trace_id, span_id, SUM(chars) OVER w AS running, ROW_NUMBER() OVER w AS n FROM page
        WINDOW w AS (ORDER BY start_ms, span_id ROWS UNBOUNDED PRECEDING)
      )
      SELECT ${SPAN_COLUMNS} FROM budget b JOIN spans s ON s.trace_id = b.trace_id AND s.span_id = b.span_id
      WHERE b.running <= ? OR b.n = 1 ORDER BY s.start_ms, s.span_id`,
    params: [traceId, limit, offset, maxChars],
  };
}

/** The cost report's rows and total, from the per-call cost rows (every provider call, sampled or not). */
function costReportSql(flavor: SqlFlavor, q: TimeWindow & { groupBy: CostGroupBy; limit: number }): { rows: SqlQuery; total: SqlQuery } {
  const { clause, params } = timeClause('at_ms', q);
  const from = `FROM cost_calls WHERE 1 = 1 ${clause}`;
  const order = q.groupBy === 'day' ? 'key DESC' : '"costUsd" DESC, "llmCalls" DESC, key';
  const key = q.groupBy === 'day' ? flavor.day('at_ms') : COST_KEYS[q.groupBy];
  return {
    rows: { sql: `SELECT ${key} AS key, ${COST_SUMS} ${from} GROUP BY key ORDER BY ${order} LIMIT ?`, params: [...params, q.limit] },
    total: { sql: `SELECT ${COST_SUMS} ${from}`, params },
  };
}

/**
 * p50/p95, max, average and failures of one group in a window, slowest p95 first, from the latency histograms
 * (`latency_rollup`, see latency-rollup.ts): a percentile is the largest duration seen in the bin holding its
 * nearest rank. `q` is aligned to the histogram intervals (`alignToIntervals` of latency-rollup.ts).
 */
function latencySql(group: LatencyGroup, q: TimeWindow & { limit: number }): SqlQuery {
  const { clause, params } = timeClause('bucket_ms', q);
  return {
    sql: `
      WITH bins AS (
        SELECT key, MAX(detail) AS detail, bin, SUM(count) AS n, SUM(errors) AS errors, SUM(sum_ms) AS sum_ms, MAX(max_ms) AS max_ms
        FROM latency_rollup WHERE grp = ? ${clause} GROUP BY key, bin
      ), ranked AS (
        SELECT *, SUM(n) OVER (PARTITION BY key ORDER BY bin ROWS UNBOUNDED PRECEDING) AS running,
          CAST(SUM(n) OVER (PARTITION BY key) AS BIGINT) AS total
        FROM bins
      )
      SELECT key, MAX(detail) AS detail, MAX(total) AS count, SUM(errors) AS "errorCount", SUM(sum_ms) / MAX(total) AS "avgMs",
        MAX(max_ms) AS "maxMs",
        MIN(CASE WHEN running >= (total + 1) / 2 THEN max_ms END) AS "p50Ms",
        MIN(CASE WHEN running >= (95 * total + 99) / 100 THEN max_ms END) AS "p95Ms"
      FROM ranked GROUP BY key ORDER BY "p95Ms" DESC, key LIMIT ?`,
    params: [group, ...params, q.limit],
  };
}

/** Failed spans by `error.type`, with the trace and message of the latest failure of each. */
function errorSummarySql(q: TimeWindow & { limit: number }): SqlQuery {
  const { clause, params } = timeClause('start_ms', q);
  return {
    sql: `
      WITH failed AS (
        SELECT error_type, trace_id, status_message, start_ms,
          ROW_NUMBER() OVER (PARTITION BY error_type ORDER BY start_ms DESC) AS latest
        FROM spans WHERE error_type IS NOT NULL ${clause}
      )
      SELECT error_type AS "errorType", COUNT(*) AS spans, COUNT(DISTINCT trace_id) AS traces, MAX(start_ms) AS "lastSeenMs",
        MAX(CASE WHEN latest = 1 THEN trace_id END) AS "lastTraceId", MAX(CASE WHEN latest = 1 THEN status_message END) AS "lastMessage"
      FROM failed GROUP BY error_type ORDER BY traces DESC, spans DESC, "errorType" LIMIT ?`,
    params: [...params, q.limit],
  };
}

/** Row counts of the SQLite store (spans past the per-trace cap of the stored traces too), and the bytes of its pages in use (free pages are reused before the file grows). */
const SQLITE_COUNTS: SqlQuery = {
  sql: `SELECT (SELECT COUNT(*) FROM traces) AS traces, (SELECT COUNT(*) FROM spans) AS spans,
    (SELECT COUNT(*) FROM cost_calls) AS "costRows",
    (SELECT COALESCE(SUM(span_count - stored_spans), 0) FROM traces) AS "spansOverCap",
    ((SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count()))
      * (SELECT page_size FROM pragma_page_size()) AS "sizeBytes"`,
  params: [],
};

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
  traceList(f: TraceListFilters): { count: SqlQuery; page: SqlQuery };
  trace: typeof traceSql;
  traceSpans: typeof traceSpansSql;
  costReport(q: TimeWindow & { groupBy: CostGroupBy; limit: number }): { rows: SqlQuery; total: SqlQuery };
  latency: typeof latencySql;
  errorSummary: typeof errorSummarySql;
  workflowRuns: typeof workflowRunsSql;
  counts(): SqlQuery;
}

/** The read queries in the SQL of `flavor`. */
export function dialectOf(flavor: SqlFlavor): TraceStoreDialect {
  return {
    traceList: (f) => traceListSql(flavor, f),
    trace: traceSql,
    traceSpans: traceSpansSql,
    costReport: (q) => costReportSql(flavor, q),
    latency: latencySql,
    errorSummary: errorSummarySql,
    workflowRuns: workflowRunsSql,
    counts: () => flavor.counts,
  };
}

/** The SQLite dialect of the embedded store. */
export const SQLITE_DIALECT: TraceStoreDialect = dialectOf({
  day: (column) => `strftime('%Y-%m-%d', ${column} / 1000.0, 'unixepoch')`,
  like: 'LIKE',
  counts: SQLITE_COUNTS,
});
