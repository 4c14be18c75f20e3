import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';
import type { SpanRow } from './span-row.js';

const INSERT_SPAN = `
  INSERT OR IGNORE INTO spans (
    trace_id, span_id, parent_span_id, name, kind, role, status, status_message, start_ms, end_ms, duration_ms,
    service, attributes, events, cost_usd, total_cost_usd, input_tokens, output_tokens, llm_call, model, provider,
    error_type, node_type, user_id, tenant_id, workflow
  ) VALUES (
    @traceId, @spanId, @parentSpanId, @name, @kind, @role, @status, @statusMessage, @startMs, @endMs, @durationMs,
    @service, @attributes, @events, @costUsd, @totalCostUsd, @inputTokens, @outputTokens, @llmCall, @model, @provider,
    @errorType, @nodeType, @userId, @tenantId, @workflow
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
    error_count, error_type, has_root
  ) VALUES (
    @traceId, CASE WHEN @isRoot = 1 THEN @spanId END, @name, @service, @startMs, @endMs, @durationMs,
    CASE WHEN @isRoot = 1 THEN @status ELSE 'unset' END, @userId, @tenantId, @sessionId,
    @workflow, @workflowId, CASE WHEN @workflow IS NOT NULL THEN @startMs END, COALESCE(@costUsd, 0),
    COALESCE(@inputTokens, 0), COALESCE(@outputTokens, 0), @llmCall, 1, @isError, @errorType, @isRoot
  )
  ON CONFLICT (trace_id) DO UPDATE SET
    root_span_id = CASE WHEN has_root = 0 AND excluded.has_root = 1 THEN excluded.root_span_id ELSE root_span_id END,
    name = CASE WHEN has_root = 0 AND excluded.has_root = 1 THEN excluded.name ELSE name END,
    status = CASE WHEN has_root = 0 AND excluded.has_root = 1 THEN excluded.status ELSE status END,
    service = CASE WHEN has_root = 0 AND excluded.has_root = 1 THEN COALESCE(excluded.service, service)
                   ELSE COALESCE(service, excluded.service) END,
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
    error_count = error_count + excluded.error_count,
    error_type = COALESCE(error_type, excluded.error_type),
    has_root = MAX(has_root, excluded.has_root)`;

/** Writes batches of span rows, each batch in one transaction. */
export class SpanWriter {
  private readonly insertSpan: SqliteStatement;
  private readonly upsertTrace: SqliteStatement;
  private readonly writeAll: (rows: readonly SpanRow[]) => number;

  constructor(db: SqliteDatabase) {
    this.insertSpan = db.prepare(INSERT_SPAN);
    this.upsertTrace = db.prepare(UPSERT_TRACE);
    this.writeAll = db.transaction((rows: readonly SpanRow[]) => {
      let written = 0;
      for (const row of rows) {
        // A span already stored (replayed by an exporter retry) must not be counted into its trace twice.
        if (this.insertSpan.run(row).changes === 0) continue;
        this.upsertTrace.run(row);
        written += 1;
      }
      return written;
    });
  }

  /** Writes `rows` in one transaction; returns how many were new. Throws (nothing written) on a database error. */
  write(rows: readonly SpanRow[]): number {
    return rows.length === 0 ? 0 : this.writeAll(rows);
  }
}
