import type { CostLedgerEntry } from '../../cost/cost.types.js';
import { latencyParams, UPSERT_LATENCY } from '../latency-rollup.js';
import type { SqliteDatabase, SqliteStatement } from '../sqlite-driver.js';
import type { SpanRow } from '../span-row.js';

const INSERT_SPAN = `
  INSERT OR IGNORE INTO spans (
    trace_id, span_id, parent_span_id, name, kind, role, status, status_message, start_ms, end_ms, duration_ms,
    service, attributes, events, cost_usd, total_cost_usd, input_tokens, output_tokens, llm_call, model, provider,
    error_type, node_type, user_id, tenant_id, workflow, instance_id
  ) VALUES (
    @traceId, @spanId, @parentSpanId, @name, @kind, @role, @status, @statusMessage, @startMs, @endMs, @durationMs,
    @service, @attributes, @events, @costUsd, @totalCostUsd, @inputTokens, @outputTokens, @llmCall, @model, @provider,
    @errorType, @nodeType, @userId, @tenantId, @workflow, @instanceId
  )`;

const EARLIER_WORKFLOW =
  'excluded.workflow_start_ms IS NOT NULL AND (workflow_start_ms IS NULL OR excluded.workflow_start_ms < workflow_start_ms)';

/**
 * The trace row is maintained incrementally because the spans of one trace arrive in any order (children
 * usually before their root): sums and counts add up, times widen, the local root names the trace once it
 * arrives, and the outermost workflow (earliest start) names the workflow.
 */
const UPSERT_TRACE = `
  INSERT INTO traces (
    trace_id, root_span_id, name, service, start_ms, end_ms, duration_ms, status, user_id, tenant_id, session_id,
    workflow, workflow_id, workflow_start_ms, cost_usd, input_tokens, output_tokens, llm_calls, span_count,
    error_count, error_type, has_root, stored_spans, instance_id
  ) VALUES (
    @traceId, CASE WHEN @isRoot = 1 THEN @spanId END, @name, @service, @startMs, @endMs, @durationMs,
    CASE WHEN @isRoot = 1 THEN @status ELSE 'unset' END, @userId, @tenantId, @sessionId,
    @workflow, @workflowId, CASE WHEN @workflow IS NOT NULL THEN @startMs END, COALESCE(@costUsd, 0),
    COALESCE(@inputTokens, 0), COALESCE(@outputTokens, 0), @llmCall, 1, @isError, @errorType, @isRoot, @stored, @instanceId
  )
  ON CONFLICT (trace_id) DO UPDATE SET
    root_span_id = CASE WHEN has_root = 0 AND excluded.has_root = 1 THEN excluded.root_span_id ELSE root_span_id END,
    name = CASE WHEN has_root = 0 AND excluded.has_root = 1 THEN excluded.name ELSE name END,
    status = CASE WHEN has_root = 0 AND excluded.has_root = 1 THEN excluded.status ELSE status END,
    service = CASE WHEN has_root = 0 AND excluded.has_root = 1 THEN COALESCE(excluded.service, service)
                   ELSE COALESCE(service, excluded.service) END,
    instance_id = CASE WHEN has_root = 0 AND excluded.has_root = 1 THEN COALESCE(excluded.instance_id, instance_id)
                   ELSE COALESCE(instance_id, excluded.instance_id) END,
    start_ms = MIN(start_ms, excluded.start_ms),
    end_ms = MAX(end_ms, excluded.end_ms),
    duration_ms = MAX(end_ms, excluded.end_ms) - MIN(start_ms, excluded.start_ms),
    user_id = COALESCE(user_id, excluded.user_id),
    tenant_id = COALESCE(tenant_id, excluded.tenant_id),
    session_id = COALESCE(session_id, excluded.session_id),
    workflow = CASE WHEN ${EARLIER_WORKFLOW} THEN excluded.workflow ELSE workflow END,
    workflow_start_ms = CASE WHEN ${EARLIER_WORKFLOW} THEN excluded.workflow_start_ms ELSE workflow_start_ms END,
    workflow_id = COALESCE(workflow_id, excluded.workflow_id),
    cost_usd = cost_usd + excluded.cost_usd,
    input_tokens = input_tokens + excluded.input_tokens,
    output_tokens = output_tokens + excluded.output_tokens,
    llm_calls = llm_calls + excluded.llm_calls,
    span_count = span_count + 1,
    stored_spans = stored_spans + excluded.stored_spans,
    error_count = error_count + excluded.error_count,
    error_type = COALESCE(error_type, excluded.error_type),
    has_root = MAX(has_root, excluded.has_root)`;

const STORED_SPANS = 'SELECT stored_spans FROM traces WHERE trace_id = ?';

const INSERT_COST = `
  INSERT INTO cost_calls (at_ms, trace_id, span_id, sampled, kind, user_id, tenant_id, workflow, provider, model, cost_usd,
    input_tokens, output_tokens)
  VALUES (@atMs, @traceId, @spanId, @sampled, @kind, @userId, @tenantId, @workflow, @provider, @model, @costUsd,
    @inputTokens, @outputTokens)`;

/** What one write did. */
export interface WriteResult {
  /** Spans stored. */
  written: number;
  /** Spans past their trace's `maxSpansPerTrace`: counted and summed on the trace row, not stored. */
  overCap: number;
  /** Traces that got their first span. */
  newTraces: number;
}

/** One cost row, as bound to the insert statement. */
export interface CostRowParams {
  atMs: number;
  traceId: string | null;
  spanId: string | null;
  sampled: 0 | 1;
  kind: string;
  userId: string | null;
  tenantId: string | null;
  workflow: string | null;
  provider: string | null;
  model: string | null;
  costUsd: number | null;
  inputTokens: number;
  outputTokens: number;
}

/**
 * Writes batches of span rows and cost rows, each batch in one transaction. A trace keeps at most
 * `maxSpansPerTrace` spans; the spans past it only update the trace row (counts, cost, tokens, errors, times)
 * and the latency histograms, which every span feeds.
 */
export class SpanWriter {
  private readonly insertSpan: SqliteStatement;
  private readonly upsertTrace: SqliteStatement;
  private readonly storedSpans: SqliteStatement;
  private readonly insertCost: SqliteStatement;
  private readonly upsertLatency: SqliteStatement;
  private readonly writeAll: (rows: readonly SpanRow[], costs: readonly CostLedgerEntry[]) => WriteResult;

  constructor(db: SqliteDatabase, maxSpansPerTrace: number) {
    this.insertSpan = db.prepare(INSERT_SPAN);
    this.upsertTrace = db.prepare(UPSERT_TRACE);
    this.storedSpans = db.prepare(STORED_SPANS).pluck();
    this.insertCost = db.prepare(INSERT_COST);
    this.upsertLatency = db.prepare(UPSERT_LATENCY);
    this.writeAll = db.transaction((rows: readonly SpanRow[], costs: readonly CostLedgerEntry[]) => {
      const result: WriteResult = { written: 0, overCap: 0, newTraces: 0 };
      for (const cost of costs) this.insertCost.run(costParams(cost));
      for (const row of rows) {
        const stored = this.storedSpans.get(row.traceId) as number | undefined;
        let store: 0 | 1 = 1;
        if (stored !== undefined && stored >= maxSpansPerTrace) {
          store = 0;
          result.overCap += 1;
        } else if (this.insertSpan.run(row).changes === 0) {
          // A span already stored (replayed by an exporter retry) must not be counted into its trace twice.
          continue;
        }
        this.upsertTrace.run({ ...row, stored: store });
        if (stored === undefined) result.newTraces += 1;
        result.written += store;
        if (row.llmCall === 1 && !row.library) this.insertCost.run(spanCostParams(row));
        for (const latency of latencyParams(row)) this.upsertLatency.run(latency);
      }
      return result;
    });
  }

  /**
   * Writes span rows and cost rows in one transaction. Throws (nothing written) on a database error.
   */
  write(rows: readonly SpanRow[], costs: readonly CostLedgerEntry[] = []): WriteResult {
    return rows.length === 0 && costs.length === 0 ? { written: 0, overCap: 0, newTraces: 0 } : this.writeAll(rows, costs);
  }
}

/**
 * A cost row from a ledger entry, which apps can feed through `CostService.recordCall` and `recordCost`
 * themselves: odd values become null or 0 rather than failing the batch (and the spans written with it).
 */
export function costParams(call: CostLedgerEntry): CostRowParams {
  const at = call.at instanceof Date ? call.at.getTime() : Number.NaN;
  return {
    atMs: Number.isFinite(at) ? at : Date.now(),
    traceId: text(call.traceId),
    spanId: text(call.spanId),
    sampled: call.sampled === false ? 0 : 1,
    kind: text(call.kind) ?? 'tokens',
    userId: text(call.userId),
    tenantId: text(call.tenantId),
    workflow: text(call.workflow),
    provider: text(call.provider),
    model: text(call.model),
    costUsd: typeof call.costUsd === 'number' && Number.isFinite(call.costUsd) ? call.costUsd : null,
    inputTokens: count(call.inputTokens),
    outputTokens: count(call.outputTokens),
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value.slice(0, 1000) : typeof value === 'number' ? String(value) : null;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

/** The cost row of an LLM span another instrumentation made (this library's calls come through the ledger). */
export function spanCostParams(row: SpanRow): CostRowParams {
  return {
    atMs: row.startMs,
    traceId: row.traceId,
    spanId: row.spanId,
    sampled: 1,
    kind: 'tokens',
    userId: row.userId,
    tenantId: row.tenantId,
    workflow: row.workflow,
    provider: row.provider,
    model: row.model,
    costUsd: row.costUsd,
    inputTokens: row.inputTokens ?? 0,
    outputTokens: row.outputTokens ?? 0,
  };
}
