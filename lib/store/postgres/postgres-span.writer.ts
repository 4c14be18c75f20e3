import type { CostLedgerEntry } from '../../cost/cost.types.js';
import { latencyParams, LATENCY_BINS_PER_DOUBLING } from '../latency-rollup.js';
import type { SpanRow } from '../span-row.js';
import { costParams, spanCostParams, type CostRowParams, type WriteResult } from '../write/span-writer.js';
import type { PoolClient } from './pg-driver.js';
import { deltaOf, mergeDeltas, type TraceDelta } from './trace-delta.js';

/** Rows per multi-row statement: PostgreSQL binds at most 65,535 parameters, a span row takes 27. */
const ROWS_PER_STATEMENT = 1000;

const SPAN_COLUMNS = [
  'trace_id', 'span_id', 'parent_span_id', 'name', 'kind', 'role', 'status', 'status_message', 'start_ms', 'end_ms',
  'duration_ms', 'service', 'instance_id', 'attributes', 'events', 'cost_usd', 'total_cost_usd', 'input_tokens',
  'output_tokens', 'llm_call', 'model', 'provider', 'error_type', 'node_type', 'user_id', 'tenant_id', 'workflow',
] as const;

const TRACE_COLUMNS = [
  'trace_id', 'root_span_id', 'name', 'service', 'instance_id', 'start_ms', 'end_ms', 'duration_ms', 'status', 'user_id',
  'tenant_id', 'session_id', 'workflow', 'workflow_id', 'workflow_start_ms', 'cost_usd', 'input_tokens', 'output_tokens',
  'llm_calls', 'span_count', 'stored_spans', 'error_count', 'error_type', 'has_root',
] as const;

const COST_COLUMNS = [
  'at_ms', 'trace_id', 'span_id', 'sampled', 'kind', 'user_id', 'tenant_id', 'workflow', 'provider', 'model', 'cost_usd',
  'input_tokens', 'output_tokens',
] as const;

const LATENCY_COLUMNS = ['bucket_ms', 'grp', 'key', 'bin', 'detail', 'count', 'errors', 'sum_ms', 'max_ms'] as const;

const ROOT_ARRIVES = 't.has_root = 0 AND excluded.has_root = 1';
const EARLIER_WORKFLOW =
  'excluded.workflow_start_ms IS NOT NULL AND (t.workflow_start_ms IS NULL OR excluded.workflow_start_ms < t.workflow_start_ms)';

/** Merges a batch's delta into the stored trace row: `mergeDeltas` of trace-delta.ts, in SQL. */
const TRACE_CONFLICT = `
  ON CONFLICT (trace_id) DO UPDATE SET
    root_span_id = CASE WHEN ${ROOT_ARRIVES} THEN excluded.root_span_id ELSE t.root_span_id END,
    name = CASE WHEN ${ROOT_ARRIVES} THEN excluded.name ELSE t.name END,
    status = CASE WHEN ${ROOT_ARRIVES} THEN excluded.status ELSE t.status END,
    service = CASE WHEN ${ROOT_ARRIVES} THEN COALESCE(excluded.service, t.service) ELSE COALESCE(t.service, excluded.service) END,
    instance_id = CASE WHEN ${ROOT_ARRIVES} THEN COALESCE(excluded.instance_id, t.instance_id)
                  ELSE COALESCE(t.instance_id, excluded.instance_id) END,
    start_ms = LEAST(t.start_ms, excluded.start_ms),
    end_ms = GREATEST(t.end_ms, excluded.end_ms),
    duration_ms = GREATEST(t.end_ms, excluded.end_ms) - LEAST(t.start_ms, excluded.start_ms),
    user_id = COALESCE(t.user_id, excluded.user_id),
    tenant_id = COALESCE(t.tenant_id, excluded.tenant_id),
    session_id = COALESCE(t.session_id, excluded.session_id),
    workflow = CASE WHEN ${EARLIER_WORKFLOW} THEN excluded.workflow ELSE t.workflow END,
    workflow_start_ms = CASE WHEN ${EARLIER_WORKFLOW} THEN excluded.workflow_start_ms ELSE t.workflow_start_ms END,
    workflow_id = COALESCE(t.workflow_id, excluded.workflow_id),
    cost_usd = t.cost_usd + excluded.cost_usd,
    input_tokens = t.input_tokens + excluded.input_tokens,
    output_tokens = t.output_tokens + excluded.output_tokens,
    llm_calls = t.llm_calls + excluded.llm_calls,
    span_count = t.span_count + excluded.span_count,
    stored_spans = t.stored_spans + excluded.stored_spans,
    error_count = t.error_count + excluded.error_count,
    error_type = COALESCE(t.error_type, excluded.error_type),
    has_root = GREATEST(t.has_root, excluded.has_root)`;

const LATENCY_CONFLICT = `
  ON CONFLICT (grp, bucket_ms, key, bin) DO UPDATE SET
    count = l.count + excluded.count,
    errors = l.errors + excluded.errors,
    sum_ms = l.sum_ms + excluded.sum_ms,
    max_ms = GREATEST(l.max_ms, excluded.max_ms),
    detail = GREATEST(l.detail, excluded.detail)`;

/** One histogram row's addition. */
interface LatencyDelta {
  bucketMs: number;
  grp: string;
  key: string;
  bin: number;
  detail: string | null;
  count: number;
  errors: number;
  sumMs: number;
  maxMs: number;
}

/**
 * Writes one batch of span rows and cost rows to PostgreSQL in one transaction, with one multi-row statement per
 * table: spans (`ON CONFLICT DO NOTHING`, so a replayed span counts once), one upsert per trace of the batch's
 * folded delta, histogram rows summed per interval, group and bin, and cost rows. Traces and histogram rows are
 * upserted in key order, so replicas writing the same traces never deadlock. The per-trace cap is checked against
 * the stored count read at the start (replicas writing one trace at once may pass it by a batch).
 */
export async function writePostgresBatch(
  client: PoolClient,
  rows: readonly SpanRow[],
  costs: readonly CostLedgerEntry[],
  maxSpansPerTrace: number,
): Promise<WriteResult> {
  const result: WriteResult = { written: 0, overCap: 0, newTraces: 0 };
  if (rows.length === 0 && costs.length === 0) return result;
  await client.query('BEGIN');
  try {
    const costRows: CostRowParams[] = costs.map(costParams);
    if (rows.length > 0) {
      const traceIds = [...new Set(rows.map((r) => r.traceId))];
      const known = await client.query<{ trace_id: string; stored_spans: number }>(
        'SELECT trace_id, stored_spans FROM traces WHERE trace_id = ANY($1::text[])',
        [traceIds],
      );
      // Stored spans per trace as the batch goes (no entry: no trace row yet), as the SQLite writer counts them.
      const stored = new Map<string, number>(known.rows.map((r) => [r.trace_id, r.stored_spans]));
      const existed = new Set(stored.keys());
      const keep: SpanRow[] = [];
      const overCap: SpanRow[] = [];
      for (const row of rows) {
        const count = stored.get(row.traceId);
        if (count !== undefined && count >= maxSpansPerTrace) {
          overCap.push(row);
        } else {
          keep.push(row);
          stored.set(row.traceId, (count ?? 0) + 1);
        }
      }
      const inserted = await insertSpans(client, keep);
      const written = keep.filter((r) => inserted.has(`${r.traceId}:${r.spanId}`));
      result.written = written.length;
      result.overCap = overCap.length;
      // Replayed spans (not inserted) are not counted into their trace again; spans over the cap are.
      const over = new Set(overCap);
      const counted = rows
        .filter((r) => over.has(r) || inserted.has(`${r.traceId}:${r.spanId}`))
        .map((r) => deltaOf(r, over.has(r) ? 0 : 1));
      result.newTraces = new Set(counted.map((d) => d.traceId).filter((id) => !existed.has(id))).size;
      await upsertTraces(client, counted);
      await upsertLatency(client, rows.filter((r) => over.has(r) || inserted.has(`${r.traceId}:${r.spanId}`)));
      for (const row of written) if (row.llmCall === 1 && !row.library) costRows.push(spanCostParams(row));
    }
    await insertMany(client, 'cost_calls', COST_COLUMNS, costRows.map(costValues));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function insertSpans(client: PoolClient, rows: readonly SpanRow[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const { sql, params } = valuesOf(chunk.map(spanValues), SPAN_COLUMNS.length);
    const answer = await client.query<{ trace_id: string; span_id: string }>(
      `INSERT INTO spans (${SPAN_COLUMNS.join(', ')}) VALUES ${sql} ON CONFLICT (trace_id, span_id) DO NOTHING RETURNING trace_id, span_id`,
      params,
    );
    for (const r of answer.rows) inserted.add(`${r.trace_id}:${r.span_id}`);
  }
  return inserted;
}

async function upsertTraces(client: PoolClient, deltas: readonly TraceDelta[]): Promise<void> {
  const byTrace = new Map<string, TraceDelta>();
  for (const d of deltas) {
    const before = byTrace.get(d.traceId);
    byTrace.set(d.traceId, before ? mergeDeltas(before, d) : d);
  }
  const sorted = [...byTrace.values()].sort((a, b) => (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0));
  for (let i = 0; i < sorted.length; i += ROWS_PER_STATEMENT) {
    const { sql, params } = valuesOf(sorted.slice(i, i + ROWS_PER_STATEMENT).map(traceValues), TRACE_COLUMNS.length);
    await client.query(`INSERT INTO traces AS t (${TRACE_COLUMNS.join(', ')}) VALUES ${sql} ${TRACE_CONFLICT}`, params);
  }
}

async function upsertLatency(client: PoolClient, rows: readonly SpanRow[]): Promise<void> {
  const byKey = new Map<string, LatencyDelta>();
  for (const row of rows) {
    for (const p of latencyParams(row)) {
      const bin = Math.ceil(Math.log2(Math.max(p.ms, 0.001)) * LATENCY_BINS_PER_DOUBLING);
      const id = JSON.stringify([p.grp, p.bucketMs, p.key, bin]);
      const d = byKey.get(id);
      if (d) {
        d.count += 1;
        d.errors += p.failed;
        d.sumMs += p.ms;
        d.maxMs = Math.max(d.maxMs, p.ms);
        if (p.detail !== null && (d.detail === null || p.detail > d.detail)) d.detail = p.detail;
      } else {
        byKey.set(id, { bucketMs: p.bucketMs, grp: p.grp, key: p.key, bin, detail: p.detail, count: 1, errors: p.failed, sumMs: p.ms, maxMs: p.ms });
      }
    }
  }
  const sorted = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
  for (let i = 0; i < sorted.length; i += ROWS_PER_STATEMENT) {
    const values = sorted.slice(i, i + ROWS_PER_STATEMENT).map((d) => [d.bucketMs, d.grp, d.key, d.bin, d.detail, d.count, d.errors, d.sumMs, d.maxMs]);
    const { sql, params } = valuesOf(values, LATENCY_COLUMNS.length);
    await client.query(`INSERT INTO latency_rollup AS l (${LATENCY_COLUMNS.join(', ')}) VALUES ${sql} ${LATENCY_CONFLICT}`, params);
  }
}

async function insertMany(client: PoolClient, table: string, columns: readonly string[], rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const { sql, params } = valuesOf(rows.slice(i, i + ROWS_PER_STATEMENT), columns.length);
    await client.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${sql}`, params);
  }
}

/** `($1, $2), ($3, $4)` for `rows` of `width` values, and the values in order. */
function valuesOf(rows: readonly unknown[][], width: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const start = params.length;
    params.push(...row);
    return `(${Array.from({ length: width }, (_, j) => `$${start + j + 1}`).join(', ')})`;
  });
  return { sql: tuples.join(', '), params };
}

function spanValues(r: SpanRow): unknown[] {
  return [
    r.traceId, r.spanId, r.parentSpanId, r.name, r.kind, r.role, r.status, r.statusMessage, r.startMs, r.endMs, r.durationMs,
    r.service, r.instanceId, r.attributes, r.events, r.costUsd, r.totalCostUsd, r.inputTokens, r.outputTokens, r.llmCall,
    r.model, r.provider, r.errorType, r.nodeType, r.userId, r.tenantId, r.workflow,
  ];
}

function traceValues(d: TraceDelta): unknown[] {
  return [
    d.traceId, d.rootSpanId, d.name, d.service, d.instanceId, d.startMs, d.endMs, d.endMs - d.startMs, d.status, d.userId,
    d.tenantId, d.sessionId, d.workflow, d.workflowId, d.workflowStartMs, d.costUsd, d.inputTokens, d.outputTokens,
    d.llmCalls, d.spanCount, d.storedSpans, d.errorCount, d.errorType, d.hasRoot,
  ];
}

function costValues(c: CostRowParams): unknown[] {
  return [c.atMs, c.traceId, c.spanId, c.sampled, c.kind, c.userId, c.tenantId, c.workflow, c.provider, c.model, c.costUsd, c.inputTokens, c.outputTokens];
}
