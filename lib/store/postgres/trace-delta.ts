import type { SpanRow } from '../span-row.js';

/**
 * What a batch of spans adds to one trace row. Spans of a trace arrive in any order and over many batches (and
 * replicas), so the trace row is folded: `deltaOf` one span, `mergeDeltas` in arrival order, and the upsert of
 * `postgres-span.writer.ts` merges the result into the stored row by the same rules (those of the SQLite
 * writer's upsert): sums add, times widen, the local root names the trace, the earliest workflow names it.
 */
export interface TraceDelta {
  traceId: string;
  rootSpanId: string | null;
  name: string;
  service: string | null;
  instanceId: string | null;
  startMs: number;
  endMs: number;
  status: string;
  userId: string | null;
  tenantId: string | null;
  sessionId: string | null;
  workflow: string | null;
  workflowId: string | null;
  workflowStartMs: number | null;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  llmCalls: number;
  spanCount: number;
  storedSpans: number;
  errorCount: number;
  errorType: string | null;
  hasRoot: 0 | 1;
}

/** The delta of one span (`stored`: 1 when the span row itself is kept, 0 past the per-trace cap). */
export function deltaOf(row: SpanRow, stored: 0 | 1): TraceDelta {
  return {
    traceId: row.traceId,
    rootSpanId: row.isRoot === 1 ? row.spanId : null,
    name: row.name,
    service: row.service,
    instanceId: row.instanceId,
    startMs: row.startMs,
    endMs: row.endMs,
    status: row.isRoot === 1 ? row.status : 'unset',
    userId: row.userId,
    tenantId: row.tenantId,
    sessionId: row.sessionId,
    workflow: row.workflow,
    workflowId: row.workflowId,
    workflowStartMs: row.workflow !== null ? row.startMs : null,
    costUsd: row.costUsd ?? 0,
    inputTokens: row.inputTokens ?? 0,
    outputTokens: row.outputTokens ?? 0,
    llmCalls: row.llmCall,
    spanCount: 1,
    storedSpans: stored,
    errorCount: row.isError,
    errorType: row.errorType,
    hasRoot: row.isRoot,
  };
}

/** `b` (later) merged into `a` (earlier). */
export function mergeDeltas(a: TraceDelta, b: TraceDelta): TraceDelta {
  const rootArrives = a.hasRoot === 0 && b.hasRoot === 1;
  const earlierWorkflow = b.workflowStartMs !== null && (a.workflowStartMs === null || b.workflowStartMs < a.workflowStartMs);
  return {
    traceId: a.traceId,
    rootSpanId: rootArrives ? b.rootSpanId : a.rootSpanId,
    name: rootArrives ? b.name : a.name,
    status: rootArrives ? b.status : a.status,
    service: rootArrives ? (b.service ?? a.service) : (a.service ?? b.service),
    instanceId: rootArrives ? (b.instanceId ?? a.instanceId) : (a.instanceId ?? b.instanceId),
    startMs: Math.min(a.startMs, b.startMs),
    endMs: Math.max(a.endMs, b.endMs),
    userId: a.userId ?? b.userId,
    tenantId: a.tenantId ?? b.tenantId,
    sessionId: a.sessionId ?? b.sessionId,
    workflow: earlierWorkflow ? b.workflow : a.workflow,
    workflowStartMs: earlierWorkflow ? b.workflowStartMs : a.workflowStartMs,
    workflowId: a.workflowId ?? b.workflowId,
    costUsd: a.costUsd + b.costUsd,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    llmCalls: a.llmCalls + b.llmCalls,
    spanCount: a.spanCount + b.spanCount,
    storedSpans: a.storedSpans + b.storedSpans,
    errorCount: a.errorCount + b.errorCount,
    errorType: a.errorType ?? b.errorType,
    hasRoot: a.hasRoot === 1 || b.hasRoot === 1 ? 1 : 0,
  };
}
