import { GenAiAttributes, GenAiOperations, LangfuseAttributes } from '../../semconv.js';
import type { Convention } from './convention.js';

/**
 * What Langfuse's OTLP ingestion (langfuse/langfuse, packages/shared/src/server/otel/OtelIngestionProcessor.ts
 * and ObservationTypeMapper.ts) reads beyond the GenAI and OpenInference attributes:
 * - `gen_ai.usage.cost`: the cost it shows (`extractCostDetails`: first `langfuse.observation.cost_details`,
 *   then `gen_ai.usage.cost`, then `llm.cost.total`); it includes costs that are not tokens.
 * - `langfuse.observation.completion_start_time` (ISO time of the first chunk): the only way it gets time to
 *   first token from a non-Vercel span (`extractCompletionStartTime`).
 * - `langfuse.observation.type` = `retriever` for retrieval and rerank calls only: its OpenInference mapping
 *   has no RERANKER and its GenAI operation mapping no `retrieval`, so its model-based fallback would type
 *   them as generations. The other provider spans are typed right without it.
 * - Trace-level fields: a span that is not the trace's root can set them only through `langfuse.trace.*`
 *   (`createTraceEvent`), so the outermost workflow names the trace and, with content capture, gives its input
 *   and output; the library's root span (HTTP request, WebSocket message) repeats the name, because trace events
 *   are merged in time order across export batches and the root's own span name would win otherwise.
 * - `langfuse.trace.tags` from the workflow's tags.
 */
export const langfuseConvention: Convention = {
  name: 'langfuse',
  spanStart(out, span) {
    if (span.outermostWorkflow && span.entityName !== undefined) out[LangfuseAttributes.TRACE_NAME] = span.entityName;
    if (span.tags && span.tags.length > 0) out[LangfuseAttributes.TRACE_TAGS] = [...span.tags];
  },
  rootEnd(out, traceName) {
    out.set(LangfuseAttributes.TRACE_NAME, traceName);
  },
  content(out, _scope, kind, json, outermostWorkflow) {
    if (!outermostWorkflow) return;
    out.set(kind === 'input' ? LangfuseAttributes.TRACE_INPUT : LangfuseAttributes.TRACE_OUTPUT, json);
  },
  providerStart(out, call) {
    if (call.operation === GenAiOperations.RETRIEVAL || call.operation === GenAiOperations.RERANK) out[LangfuseAttributes.OBSERVATION_TYPE] = 'retriever';
  },
  providerEnd(out, { firstChunkEpochMs }) {
    if (firstChunkEpochMs !== undefined) out.set(LangfuseAttributes.COMPLETION_START_TIME, new Date(firstChunkEpochMs).toISOString());
  },
  cost(out, cost, _usage, nonTokenUsd) {
    // Only a priced call: without it Langfuse prices the usage from its own model table.
    if (cost.priced) out.set(GenAiAttributes.USAGE_COST, cost.totalUsd + nonTokenUsd);
  },
};
