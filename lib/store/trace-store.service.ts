import { Inject, Injectable, Optional } from '@nestjs/common';
import { storeDisabled } from '../tracing.messages.js';
import { TRACE_STORE } from '../tracing.constants.js';
import { TraceStore, type TraceStoreStats } from './trace-store.js';
import { buildTree, parallelGroups } from './trace-tree.js';
import type {
  CostGroupBy,
  CostReport,
  CostReportQuery,
  CostRow,
  ErrorSummary,
  LatencyRow,
  ParallelGroup,
  QueryParams,
  SlowestReport,
  SpanRecord,
  TimeRangeQuery,
  TraceListPage,
  TraceListQuery,
  TraceSummary,
  TraceTree,
} from './trace-query.types.js';
import {
  encodeCursor,
  parseCostQuery,
  parseRangeQuery,
  parseTraceId,
  parseTraceListQuery,
  type TimeWindow,
} from './trace-query.validation.js';

const TRACE_COLUMNS = `
  trace_id AS traceId, root_span_id AS rootSpanId, name, service, start_ms AS startMs, end_ms AS endMs,
  duration_ms AS durationMs, status, user_id AS userId, tenant_id AS tenantId, session_id AS sessionId, workflow,
  workflow_id AS workflowId, cost_usd AS costUsd, input_tokens AS inputTokens, output_tokens AS outputTokens,
  llm_calls AS llmCalls, span_count AS spanCount, error_count AS errorCount, error_type AS errorType`;

const SPAN_COLUMNS = `
  trace_id AS traceId, span_id AS spanId, parent_span_id AS parentSpanId, name, kind, role, status,
  status_message AS statusMessage, start_ms AS startMs, end_ms AS endMs, duration_ms AS durationMs, service,
  attributes, events, cost_usd AS costUsd, total_cost_usd AS totalCostUsd, input_tokens AS inputTokens,
  output_tokens AS outputTokens, model, provider, error_type AS errorType, node_type AS nodeType`;

/** Group keys of the cost report: fixed SQL, chosen by the validated `groupBy`, never built from input. */
const COST_KEYS: Record<CostGroupBy, string> = {
  user: 'COALESCE(s.user_id, t.user_id)',
  tenant: 'COALESCE(s.tenant_id, t.tenant_id)',
  workflow: 'COALESCE(s.workflow, t.workflow)',
  provider: 's.provider',
  model: 's.model',
  day: "strftime('%Y-%m-%d', s.start_ms / 1000.0, 'unixepoch')",
};

const NODE_ROLES = "('node', 'agent_task', 'agent_step', 'tool')";

type SpanRow = Omit<SpanRecord, 'attributes' | 'events'> & { attributes: string; events: string | null };

/**
 * Queries over the embedded trace store: trace list with filters and paging, one trace as a tree, parallel
 * groups, cost report, slowest nodes/providers/models and error summary. Every argument is validated (a bad
 * one throws `TraceQueryError`) and every value reaches SQLite as a bound parameter.
 * Each query also accepts raw URL query strings (`QueryParams`).
 */
@Injectable()
export class TraceStoreService {
  constructor(@Optional() @Inject(TRACE_STORE) private readonly store: TraceStore | null) {}

  /** Whether the store is on (every query throws when it is off). */
  get enabled(): boolean {
    return this.store !== null;
  }

  /** Traces matching `query`, newest first. */
  listTraces(query: TraceListQuery | QueryParams = {}): TraceListPage {
    const store = this.open();
    const f = parseTraceListQuery(query);
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
    const filtered = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = (store.statement(`SELECT COUNT(*) AS n FROM traces ${filtered}`).get(...params) as { n: number }).n;
    if (f.cursor) add('(start_ms < ? OR (start_ms = ? AND trace_id < ?))', f.cursor.startMs, f.cursor.startMs, f.cursor.traceId);
    const paged = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = store
      .statement(`SELECT ${TRACE_COLUMNS} FROM traces ${paged} ORDER BY start_ms DESC, trace_id DESC LIMIT ? OFFSET ?`)
      .all(...params, f.limit + 1, f.offset) as TraceSummary[];
    const more = rows.length > f.limit;
    const traces = more ? rows.slice(0, f.limit) : rows;
    const last = traces.at(-1);
    return { traces, total, nextCursor: more && last ? encodeCursor({ startMs: last.startMs, traceId: last.traceId }) : null };
  }

  /** One trace with its spans as a tree, or `null` when it is not stored. */
  getTrace(traceId: string): TraceTree | null {
    const loaded = this.loadTrace(traceId);
    return loaded && { trace: loaded.trace, roots: buildTree(loaded.spans) };
  }

  /** Groups of sibling spans of one trace that ran in parallel (overlapping time ranges); `null` when not stored. */
  parallelGroups(traceId: string): ParallelGroup[] | null {
    const loaded = this.loadTrace(traceId);
    return loaded && parallelGroups(loaded.spans);
  }

  /** Cost, tokens and calls of provider calls in a time window, grouped by user, tenant, workflow, provider, model or day. */
  costReport(query: CostReportQuery | QueryParams = {}): CostReport {
    const store = this.open();
    const q = parseCostQuery(query);
    const { clause, params } = timeClause('s.start_ms', q);
    const sums = `
      SUM(COALESCE(s.cost_usd, 0)) AS costUsd, SUM(COALESCE(s.input_tokens, 0)) AS inputTokens,
      SUM(COALESCE(s.output_tokens, 0)) AS outputTokens, COUNT(*) AS llmCalls,
      SUM(CASE WHEN s.cost_usd IS NULL THEN 1 ELSE 0 END) AS unpricedCalls, COUNT(DISTINCT s.trace_id) AS traces`;
    const from = `FROM spans s LEFT JOIN traces t ON t.trace_id = s.trace_id WHERE s.llm_call = 1 ${clause}`;
    const order = q.groupBy === 'day' ? 'key DESC' : 'costUsd DESC, llmCalls DESC, key';
    const rows = store
      .statement(`SELECT ${COST_KEYS[q.groupBy]} AS key, ${sums} ${from} GROUP BY key ORDER BY ${order} LIMIT ?`)
      .all(...params, q.limit) as CostRow[];
    // SUM() over no rows is NULL.
    const t = store.statement(`SELECT ${sums} ${from}`).get(...params) as { [K in keyof CostRow]: number | null };
    const total = {
      costUsd: t.costUsd ?? 0,
      inputTokens: t.inputTokens ?? 0,
      outputTokens: t.outputTokens ?? 0,
      llmCalls: t.llmCalls ?? 0,
      unpricedCalls: t.unpricedCalls ?? 0,
      traces: t.traces ?? 0,
    };
    return { groupBy: q.groupBy, ...window(q), rows, total };
  }

  /** p50/p95/max latency of node types, providers and models in a time window, slowest (p95) first. */
  slowest(query: TimeRangeQuery | QueryParams = {}): SlowestReport {
    const q = parseRangeQuery(query);
    return {
      ...window(q),
      nodes: this.latency('COALESCE(node_type, name)', 'role', `role IN ${NODE_ROLES}`, q),
      providers: this.latency('provider', 'NULL', 'llm_call = 1 AND provider IS NOT NULL', q),
      models: this.latency('model', 'provider', 'llm_call = 1 AND model IS NOT NULL', q),
    };
  }

  /** Failed spans in a time window grouped by `error.type`, most frequent first. */
  errorSummary(query: TimeRangeQuery | QueryParams = {}): ErrorSummary {
    const store = this.open();
    const q = parseRangeQuery(query);
    const { clause, params } = timeClause('start_ms', q);
    // With MAX(), SQLite takes the bare columns from the row holding the maximum: the latest failure.
    const rows = store
      .statement(
        `SELECT error_type AS errorType, COUNT(*) AS spans, COUNT(DISTINCT trace_id) AS traces, MAX(start_ms) AS lastSeenMs,
           trace_id AS lastTraceId, status_message AS lastMessage
         FROM spans WHERE error_type IS NOT NULL ${clause}
         GROUP BY error_type ORDER BY traces DESC, spans DESC, errorType LIMIT ?`,
      )
      .all(...params, q.limit) as ErrorSummary['rows'];
    return { ...window(q), rows };
  }

  /** Row counts of the store and counters of its processor (written, dropped, failed, queued). */
  stats(): TraceStoreStats {
    return this.open().stats();
  }

  private latency(key: string, detail: string, filter: string, q: TimeWindow & { limit: number }): LatencyRow[] {
    const { clause, params } = timeClause('start_ms', q);
    // Nearest-rank percentiles with window functions: rank ceil(p * n) within each group.
    const sql = `
      WITH d AS (
        SELECT ${key} AS key, ${detail} AS detail, duration_ms AS ms,
          CASE WHEN status = 'error' OR error_type IS NOT NULL THEN 1 ELSE 0 END AS failed,
          ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY duration_ms) AS rn,
          COUNT(*) OVER (PARTITION BY ${key}) AS n
        FROM spans WHERE ${filter} ${clause}
      )
      SELECT key, MAX(detail) AS detail,
        MAX(n) AS count, SUM(failed) AS errorCount, AVG(ms) AS avgMs, MAX(ms) AS maxMs,
        MAX(CASE WHEN rn = (n + 1) / 2 THEN ms END) AS p50Ms,
        MAX(CASE WHEN rn = (95 * n + 99) / 100 THEN ms END) AS p95Ms
      FROM d GROUP BY key ORDER BY p95Ms DESC, key LIMIT ?`;
    return this.open().statement(sql).all(...params, q.limit) as LatencyRow[];
  }

  private loadTrace(traceId: string): { trace: TraceSummary; spans: SpanRecord[] } | null {
    const store = this.open();
    const id = parseTraceId(traceId);
    const trace = store.statement(`SELECT ${TRACE_COLUMNS} FROM traces WHERE trace_id = ?`).get(id) as TraceSummary | undefined;
    if (!trace) return null;
    const rows = store.statement(`SELECT ${SPAN_COLUMNS} FROM spans WHERE trace_id = ? ORDER BY start_ms`).all(id) as SpanRow[];
    const spans = rows.map((row): SpanRecord => ({
      ...row,
      attributes: JSON.parse(row.attributes) as Record<string, unknown>,
      events: row.events === null ? [] : (JSON.parse(row.events) as SpanRecord['events']),
    }));
    return { trace, spans };
  }

  private open(): TraceStore {
    if (!this.store) throw new Error(storeDisabled());
    return this.store;
  }
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

function window(w: TimeWindow): TimeWindow {
  return { sinceMs: w.sinceMs, untilMs: w.untilMs };
}
