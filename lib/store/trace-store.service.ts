import { Inject, Injectable, Optional } from '@nestjs/common';
import { storeDisabled } from '../tracing.messages.js';
import { TRACE_STORE } from '../tracing.constants.js';
import { alignToIntervals } from './latency-rollup.js';
import type { SqlQuery } from './query/store-query.js';
import type { TraceStoreDialect } from './query/trace-store.sql.js';
import { TraceStore, type TraceStoreStats } from './trace-store.js';
import { buildTree, parallelGroups } from './trace-tree.js';
import { WorkflowRunStore } from '../cost/workflow-runs.store.js';
import type {
  CostReport,
  CostReportQuery,
  CostRow,
  ErrorRow,
  ErrorSummary,
  ForecastQuery,
  ForecastReport,
  LatencyRow,
  ParallelGroup,
  QueryParams,
  SlowestReport,
  SpanRecord,
  TimeRangeQuery,
  TraceListPage,
  TraceListQuery,
  TracePageQuery,
  TraceSummary,
  TraceTree,
  WorkflowForecast,
} from './trace-query.types.js';
import {
  encodeCursor,
  parseCostQuery,
  parseForecastQuery,
  parseRangeQuery,
  parseTraceId,
  parseTraceListQuery,
  parseTracePageQuery,
  type TimeWindow,
} from './trace-query.validation.js';

/** Characters of span attributes and events one `getTrace` page carries at most (pages of large spans are shorter). */
export const TRACE_PAGE_MAX_CHARS = 2 * 1024 * 1024;

type SpanRow = Omit<SpanRecord, 'attributes' | 'events'> & { attributes: string; events: string | null };
type Sums = { [K in keyof Omit<CostRow, 'key'>]: number | null };

/**
 * Queries over the embedded trace store: trace list with filters and paging, one trace as a tree (paged),
 * parallel groups, cost report, slowest nodes/providers/models and error summary. Every argument is validated
 * (a bad one throws `TraceQueryError`), every value reaches SQLite as a bound parameter, and every answer is
 * bounded in rows. Queries run in a worker thread with its own read-only connection, so a report over a full
 * store never blocks the app's event loop; one that takes longer than `store.queryTimeoutMillis` fails with a
 * `TraceQueryTimeoutError`. Each query also accepts raw URL query strings (`QueryParams`).
 */
@Injectable()
export class TraceStoreService {
  constructor(@Optional() @Inject(TRACE_STORE) private readonly store: TraceStore | null) {}

  /** Whether the store is on (every query rejects when it is off). */
  get enabled(): boolean {
    return this.store !== null;
  }

  /** Traces matching `query`, newest first. */
  async listTraces(query: TraceListQuery | QueryParams = {}): Promise<TraceListPage> {
    const f = parseTraceListQuery(query);
    const { count, page } = this.sql().traceList(f);
    const [[total], rows] = (await this.read(count, page)) as [[{ n: number }], TraceSummary[]];
    const more = rows.length > f.limit;
    const traces = more ? rows.slice(0, f.limit) : rows;
    const last = traces.at(-1);
    return { traces, total: total.n, nextCursor: more && last ? encodeCursor({ startMs: last.startMs, traceId: last.traceId }) : null };
  }

  /**
   * One trace with a page of its spans as a tree (by start time: `limit` spans from `offset`, 500 by default,
   * and no more than 2 MB of attributes and events), or `null` when it is not stored. `page` tells which spans
   * it holds: "showing `shown` of `total`".
   */
  async getTrace(traceId: string, page: TracePageQuery | QueryParams = {}): Promise<TraceTree | null> {
    const loaded = await this.loadTrace(traceId, page);
    return loaded && { trace: loaded.trace, roots: buildTree(loaded.spans), page: loaded.page };
  }

  /**
   * Groups of sibling spans that ran in parallel (overlapping time ranges), among one page of a trace's spans
   * (as `getTrace`); `null` when the trace is not stored.
   */
  async parallelGroups(traceId: string, page: TracePageQuery | QueryParams = {}): Promise<ParallelGroup[] | null> {
    const loaded = await this.loadTrace(traceId, page);
    return loaded && parallelGroups(loaded.spans);
  }

  /**
   * Cost, tokens and calls of provider calls in a time window (default: the last 24 hours), grouped by user,
   * tenant, workflow, provider, model or day. Read from the per-call cost rows, so calls whose trace was not
   * sampled count too.
   */
  async costReport(query: CostReportQuery | QueryParams = {}): Promise<CostReport> {
    const q = parseCostQuery(query);
    const sql = this.sql().costReport(q);
    const [rows, [t]] = (await this.read(sql.rows, sql.total)) as [CostRow[], [Sums]];
    // SUM() over no rows is NULL.
    const total = {
      costUsd: t.costUsd ?? 0,
      inputTokens: t.inputTokens ?? 0,
      outputTokens: t.outputTokens ?? 0,
      llmCalls: t.llmCalls ?? 0,
      unpricedCalls: t.unpricedCalls ?? 0,
      unsampledCalls: t.unsampledCalls ?? 0,
      traces: t.traces ?? 0,
    };
    return { groupBy: q.groupBy, ...window(q), rows, total };
  }

  /**
   * p50/p95/max latency of node types, providers and models in a time window (default: the last 24 hours, widened
   * to whole 5-minute intervals), slowest (p95) first. Read from pre-aggregated histograms, so a full store
   * answers as fast as an empty one: count, errors, average and max are exact, a percentile is the largest
   * duration of its histogram bin (at most 9% above the exact nearest-rank value).
   */
  async slowest(query: TimeRangeQuery | QueryParams = {}): Promise<SlowestReport> {
    const parsed = parseRangeQuery(query);
    const q = { ...alignToIntervals(parsed), limit: parsed.limit };
    const sql = this.sql();
    const [nodes, providers, models] = (await this.read(sql.latency('node', q), sql.latency('provider', q), sql.latency('model', q))) as LatencyRow[][];
    return { ...window(q), nodes: nodes!, providers: providers!, models: models! };
  }

  /** Failed spans in a time window (default: the last 24 hours) grouped by `error.type`, most frequent first. */
  async errorSummary(query: TimeRangeQuery | QueryParams = {}): Promise<ErrorSummary> {
    const q = parseRangeQuery(query);
    const [rows] = (await this.read(this.sql().errorSummary(q))) as [ErrorRow[]];
    return { ...window(q), rows };
  }

  /**
   * Expected spend per workflow from the store's history (default: the last 30 days), so it survives restarts
   * and covers every replica writing to the store: mean and p95 cost of a run from the newest 1,000 priced runs,
   * times `runs` (default 100); and the spend of the next `days` (default 30) at the window's pace of runs. A run
   * is the provider calls of one workflow in one trace (sampled or not); runs without a provider call cost
   * nothing and are not seen.
   */
  async forecast(query: ForecastQuery | QueryParams = {}): Promise<ForecastReport> {
    const q = parseForecastQuery(query);
    const [rows] = (await this.read(this.sql().workflowRuns(q))) as [Array<{ workflow: string; costUsd: number; unpriced: number; startMs: number }>];
    const runs = new WorkflowRunStore({ maxWorkflows: Number.MAX_SAFE_INTEGER, runsPerWorkflow: 1000 });
    const counts = new Map<string, number>();
    // Oldest first, as the runs happened: the ring keeps the newest.
    for (let i = rows.length - 1; i >= 0; i--) {
      const run = rows[i]!;
      runs.record(run.workflow, run.unpriced ? undefined : run.costUsd);
      counts.set(run.workflow, (counts.get(run.workflow) ?? 0) + 1);
    }
    const windowDays = Math.max(1 / 24, ((q.untilMs ?? Date.now()) - q.sinceMs!) / 86_400_000);
    const forecasts: WorkflowForecast[] = [];
    for (const [workflow, count] of counts) {
      const f = runs.forecast({ workflow, runs: q.runs });
      const runsPerDay = count / windowDays;
      forecasts.push(
        f.available
          ? { workflow, observedRuns: f.observedRuns, unpricedRuns: f.unpricedRuns, meanRunUsd: f.meanRunUsd, p95RunUsd: f.p95RunUsd,
              expectedUsd: f.expectedUsd, p95Usd: f.p95Usd, runsPerDay, expectedUsdForDays: f.meanRunUsd * runsPerDay * q.days }
          : { workflow, observedRuns: 0, unpricedRuns: f.unpricedRuns, meanRunUsd: 0, p95RunUsd: 0, expectedUsd: 0, p95Usd: 0, runsPerDay,
              expectedUsdForDays: 0 },
      );
    }
    forecasts.sort((a, b) => b.expectedUsdForDays - a.expectedUsdForDays || a.workflow.localeCompare(b.workflow));
    return { ...window(q), runs: q.runs, days: q.days, forecasts };
  }

  /** Row counts and size of the store and counters of its processor (written, dropped, over the cap, failed, queued). */
  async stats(): Promise<TraceStoreStats> {
    return this.open().stats();
  }

  private async loadTrace(
    traceId: string,
    pageQuery: TracePageQuery | QueryParams,
  ): Promise<{ trace: TraceSummary; spans: SpanRecord[]; page: TraceTree['page'] } | null> {
    const id = parseTraceId(traceId);
    const { limit, offset } = parseTracePageQuery(pageQuery);
    const sql = this.sql();
    const [[trace], rows] = (await this.read(sql.trace(id), sql.traceSpans(id, offset, limit, TRACE_PAGE_MAX_CHARS))) as [
      [TraceSummary | undefined],
      SpanRow[],
    ];
    if (!trace) return null;
    const spans = rows.map((row): SpanRecord => ({
      ...row,
      attributes: JSON.parse(row.attributes) as Record<string, unknown>,
      events: row.events === null ? [] : (JSON.parse(row.events) as SpanRecord['events']),
    }));
    const end = offset + spans.length;
    return {
      trace,
      spans,
      page: { offset, shown: spans.length, stored: trace.storedSpans, total: trace.spanCount, nextOffset: end < trace.storedSpans ? end : null },
    };
  }

  private read(...queries: SqlQuery[]): Promise<unknown[][]> {
    return this.open().reader.run(queries);
  }

  /** The store's SQL dialect. */
  private sql(): TraceStoreDialect {
    return this.open().dialect;
  }

  private open(): TraceStore {
    if (!this.store) throw new Error(storeDisabled());
    return this.store;
  }
}

function window(w: TimeWindow): TimeWindow {
  return { sinceMs: w.sinceMs, untilMs: w.untilMs };
}
