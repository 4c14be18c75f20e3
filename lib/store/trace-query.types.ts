/** Status of a trace (its local root span) or of a span, from the OpenTelemetry status code. */
export type TraceStatus = 'ok' | 'error' | 'unset';

/** How `costReport` groups costs (`kind`: `tokens` for LLM calls, else the kind given to `recordCost`). */
export type CostGroupBy = 'user' | 'tenant' | 'workflow' | 'provider' | 'model' | 'kind' | 'day';

/**
 * A point in time: a `Date`, epoch milliseconds, an ISO-8601 string, or a duration before now such as
 * `'15m'`, `'24h'`, `'7d'` (units ms, s, m, h, d, w).
 */
export type TimeInput = Date | number | string;

/**
 * Raw URL query parameters. Every query accepts them in place of the typed object (the explorer passes them
 * through); they are validated exactly like typed values.
 */
export type QueryParams = Readonly<Record<string, string | undefined>>;

/** Filters and paging of `listTraces`. Newest traces first. */
export interface TraceListQuery {
  /** Traces that started at or after this time. */
  since?: TimeInput;
  /** Traces that started before this time. */
  until?: TimeInput;
  /** Status of the trace's root span. */
  status?: TraceStatus;
  /** Only traces with (true) or without (false) a failed span. */
  hasError?: boolean;
  /** Only traces that lasted at least this long. */
  minDurationMs?: number;
  /** `user.id` of the trace. */
  user?: string;
  /** Outermost workflow name (`gen_ai.workflow.name`). */
  workflow?: string;
  /** `service.name`. */
  service?: string;
  /** Case-insensitive text contained in the root span name. */
  name?: string;
  /** Page size, 1-500. @default 50 */
  limit?: number;
  /** Rows to skip (offset paging). @default 0 */
  offset?: number;
  /** `nextCursor` of the previous page (keyset paging; stable while new traces arrive). */
  cursor?: string;
}

/**
 * A time window and a row cap, for the report queries. Without `since` the window is the 24 hours before
 * `until` (or now): pass `since: 0` for everything the store holds.
 */
export interface TimeRangeQuery {
  since?: TimeInput;
  until?: TimeInput;
  /** Rows per group, 1-1000. @default 50 */
  limit?: number;
}

/** Which spans of a trace `getTrace` returns, by start time. */
export interface TracePageQuery {
  /** Spans per page, 1-1000 (a page nests at most that deep, well within what JSON serialisation can take). @default 500 */
  limit?: number;
  /** Spans to skip. @default 0 */
  offset?: number;
}

/** Arguments of `costReport`. */
export interface CostReportQuery extends TimeRangeQuery {
  /** @default 'model' */
  groupBy?: CostGroupBy;
}

/** One trace, as listed. Times are epoch milliseconds. */
export interface TraceSummary {
  traceId: string;
  /** Root span id; null until the root span is stored. */
  rootSpanId: string | null;
  /** Root span name (the first span seen until the root is stored). */
  name: string;
  service: string | null;
  /** `service.instance.id` of the replica that recorded it (for a trace: the one that served its root span). */
  instanceId: string | null;
  startMs: number;
  endMs: number;
  durationMs: number;
  status: TraceStatus;
  userId: string | null;
  tenantId: string | null;
  sessionId: string | null;
  workflow: string | null;
  workflowId: string | null;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  llmCalls: number;
  /** Spans the trace had, stored or not. */
  spanCount: number;
  /** Spans stored; the others (past `store.maxSpansPerTrace`) are only counted and summed into this row. */
  storedSpans: number;
  errorCount: number;
  /** `error.type` of the first failed span stored. */
  errorType: string | null;
}

/** A page of traces. */
export interface TraceListPage {
  traces: TraceSummary[];
  /** Traces matching the filters, all pages. */
  total: number;
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** One event of a span (exceptions included). */
export interface SpanEventRecord {
  name: string;
  timeMs: number;
  attributes?: Record<string, unknown>;
}

/** One stored span. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: string;
  /** Library role: workflow, node, provider, agent_task, agent_step, tool, http, websocket, manual; null if unknown. */
  role: string | null;
  status: TraceStatus;
  statusMessage: string | null;
  startMs: number;
  endMs: number;
  durationMs: number;
  service: string | null;
  /** `service.instance.id` of the replica that recorded it (for a trace: the one that served its root span). */
  instanceId: string | null;
  attributes: Record<string, unknown>;
  events: SpanEventRecord[];
  /** Cost of this span's own provider call. */
  costUsd: number | null;
  /** Cost of everything under this span (its own call included). */
  totalCostUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  model: string | null;
  provider: string | null;
  errorType: string | null;
  nodeType: string | null;
}

/** A span with its children, ordered by start time. */
export interface SpanNode extends SpanRecord {
  children: SpanNode[];
}

/** Which spans of a trace a `TraceTree` holds: "showing `shown` of `total` spans". */
export interface TraceSpanPage {
  /** Stored spans before this page (by start time). */
  offset: number;
  /** Spans in this page. */
  shown: number;
  /** Spans of the trace in the store. */
  stored: number;
  /** Spans the trace had, stored or only counted. */
  total: number;
  /** `offset` of the next page; null on the last. */
  nextOffset: number | null;
}

/**
 * One page of a trace as a tree. Spans whose parent is not in the page (remote, lost, not stored or on another
 * page) are roots.
 */
export interface TraceTree {
  trace: TraceSummary;
  roots: SpanNode[];
  page: TraceSpanPage;
}

/** Sibling spans whose time ranges overlap: they ran in parallel. */
export interface ParallelGroup {
  parentSpanId: string | null;
  parentName: string | null;
  startMs: number;
  endMs: number;
  /** Wall time of the group. */
  wallMs: number;
  /** Sum of the members' durations: the wall time had they run one after another. */
  sequentialMs: number;
  spans: Array<{ spanId: string; name: string; startMs: number; endMs: number; durationMs: number }>;
}

/** Totals of one cost group. */
export interface CostRow {
  /** The group's user, tenant, workflow, provider, model or UTC day; null when the calls carry none. */
  key: string | null;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  llmCalls: number;
  /** LLM calls without a price (their tokens count, their cost does not). */
  unpricedCalls: number;
  /** Calls whose trace was not sampled (counted and priced all the same; no trace to look at). */
  unsampledCalls: number;
  /** Traces the calls ran in, sampled or not. */
  traces: number;
}

/** Cost of provider calls in a time window, grouped. Every call counts, whether its trace was sampled or not. */
export interface CostReport {
  groupBy: CostGroupBy;
  sinceMs: number | null;
  untilMs: number | null;
  rows: CostRow[];
  total: Omit<CostRow, 'key'>;
}

/**
 * Latency of one group of spans. Count, errors, average and max are exact; p50/p95 are the largest duration of
 * the histogram bin holding the nearest rank (at most 9% above the exact value).
 */
export interface LatencyRow {
  key: string;
  /** Span role for node groups, provider for model groups. */
  detail: string | null;
  count: number;
  errorCount: number;
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** Slowest node types, providers and models. The window is widened to whole 5-minute intervals. */
export interface SlowestReport {
  sinceMs: number | null;
  untilMs: number | null;
  /** Workflow nodes, agent steps and tools, by node type (or tool/agent name, else span name). */
  nodes: LatencyRow[];
  providers: LatencyRow[];
  models: LatencyRow[];
}

/** Failed spans of one `error.type`. */
export interface ErrorRow {
  errorType: string;
  spans: number;
  traces: number;
  lastSeenMs: number;
  lastTraceId: string;
  lastMessage: string | null;
}

/** Failures in a time window, most frequent first. */
export interface ErrorSummary {
  sinceMs: number | null;
  untilMs: number | null;
  rows: ErrorRow[];
}

/** `TraceStoreService.forecast` arguments (or the explorer's query string). */
export interface ForecastQuery {
  /** Start of the history the forecast reads. @default 30 days ago */
  since?: TimeInput;
  until?: TimeInput;
  /** One workflow; @default every workflow with runs in the window */
  workflow?: string;
  /** Runs ahead to forecast. @default 100 */
  runs?: number;
  /** Days ahead to forecast, at the pace of the window. @default 30 */
  days?: number;
}

/** Expected spend of one workflow, from its runs in the store. */
export interface WorkflowForecast {
  workflow: string;
  /** Priced runs the figures come from (the newest, at most 1,000). */
  observedRuns: number;
  /** Runs with an unpriced call: left out of the figures. */
  unpricedRuns: number;
  meanRunUsd: number;
  /** 95th-percentile cost of one run (nearest rank). */
  p95RunUsd: number;
  /** `meanRunUsd * runs` and `p95RunUsd * runs`. */
  expectedUsd: number;
  p95Usd: number;
  /** Runs per day in the window (every run, priced or not). */
  runsPerDay: number;
  /** `meanRunUsd * runsPerDay * days`: the spend of the next `days` at the window's pace. */
  expectedUsdForDays: number;
}

/** Forecasts of every workflow (or one) from the store's history, most expensive per day first. */
export interface ForecastReport {
  sinceMs: number | null;
  untilMs: number | null;
  runs: number;
  days: number;
  forecasts: WorkflowForecast[];
}
