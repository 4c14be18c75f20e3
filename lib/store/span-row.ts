import { SpanKind, SpanStatusCode, type AttributeValue, type Attributes } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  AttributionAttributes,
  CostAttributes,
  GenAiAttributes,
  HttpAttributes,
  OpenInferenceAttributes,
  TraceloopAttributes,
  WebSocketAttributes,
  WorkflowAttributes,
} from '../semconv.js';
import { LIBRARY_NAME } from '../tracing.constants.js';
import { boundedAttributesJson, boundedEventsJson } from './row-limits.js';

const SERVICE_NAME = 'service.name';
const SERVICE_INSTANCE_ID = 'service.instance.id';
const EXCEPTION_TYPE = 'exception.type';
/** Pre-1.37 GenAI name of the provider; still emitted by older instrumentations. */
const LEGACY_GEN_AI_SYSTEM = 'gen_ai.system';

/** One span as written to the `spans` table (named parameters of the insert statement). */
export interface SpanRow {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  /** 1 when the span has no parent in this process (no parent, or a remote one). */
  isRoot: 0 | 1;
  name: string;
  kind: string;
  role: string | null;
  status: 'ok' | 'error' | 'unset';
  statusMessage: string | null;
  startMs: number;
  endMs: number;
  durationMs: number;
  service: string | null;
  /** `service.instance.id` of the process that recorded the span: which replica served it. */
  instanceId: string | null;
  attributes: string;
  events: string | null;
  /** Cost of the span's own provider call. */
  costUsd: number | null;
  /** Cost of the span's subtree (the engine's rollup). */
  totalCostUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  llmCall: 0 | 1;
  isError: 0 | 1;
  model: string | null;
  provider: string | null;
  errorType: string | null;
  nodeType: string | null;
  userId: string | null;
  tenantId: string | null;
  sessionId: string | null;
  workflow: string | null;
  workflowId: string | null;
  /**
   * Whether this library created the span. Its provider calls reach the cost ledger through `CostService`
   * (sampled or not); LLM spans of other instrumentations get their cost row when the span is written.
   */
  library: boolean;
}

const KIND_NAMES: Record<SpanKind, string> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

/**
 * Flattens a finished span into a row: the columns the queries filter and group on, plus the full attributes
 * and events as JSON. `workflowName` is the enclosing workflow, read from the context when the span started.
 */
export function toSpanRow(span: ReadableSpan, workflowName: string | undefined): SpanRow {
  const a = span.attributes;
  const ctx = span.spanContext();
  const parent = span.parentSpanContext;
  const status = span.status.code === SpanStatusCode.ERROR ? 'error' : span.status.code === SpanStatusCode.OK ? 'ok' : 'unset';
  const role = roleOf(a);
  const costUsd = num(a[CostAttributes.USD]) ?? num(a[GenAiAttributes.USAGE_COST]);
  const inputTokens = int(a[GenAiAttributes.USAGE_INPUT_TOKENS]);
  const outputTokens = int(a[GenAiAttributes.USAGE_OUTPUT_TOKENS]);
  const errorType = str(a[HttpAttributes.ERROR_TYPE]) ?? (status === 'error' ? exceptionType(span) ?? 'error' : null);
  const startMs = hrTimeToMilliseconds(span.startTime);
  const durationMs = hrTimeToMilliseconds(span.duration);
  const ownWorkflow = role === 'workflow' ? str(a[GenAiAttributes.WORKFLOW_NAME]) : null;
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: parent?.spanId ?? null,
    isRoot: !parent || parent.isRemote ? 1 : 0,
    name: span.name,
    kind: KIND_NAMES[span.kind] ?? 'internal',
    role,
    status,
    statusMessage: span.status.message || null,
    startMs,
    endMs: startMs + durationMs,
    durationMs,
    service: str(span.resource.attributes[SERVICE_NAME]),
    instanceId: str(span.resource.attributes[SERVICE_INSTANCE_ID]),
    attributes: boundedAttributesJson(a),
    events: span.events.length === 0 ? null : boundedEventsJson(events(span)),
    costUsd,
    totalCostUsd: num(a[CostAttributes.TOTAL_USD]) ?? costUsd,
    inputTokens,
    outputTokens,
    llmCall: role === 'provider' || costUsd !== null || inputTokens !== null ? 1 : 0,
    isError: errorType !== null ? 1 : 0,
    model:
      str(a[GenAiAttributes.RESPONSE_MODEL]) ?? str(a[GenAiAttributes.REQUEST_MODEL]) ?? str(a[OpenInferenceAttributes.LLM_MODEL_NAME]),
    provider: str(a[GenAiAttributes.PROVIDER_NAME]) ?? str(a[OpenInferenceAttributes.LLM_PROVIDER]) ?? str(a[LEGACY_GEN_AI_SYSTEM]),
    errorType,
    nodeType: nodeTypeOf(role, a),
    userId: str(a[AttributionAttributes.USER_ID]),
    tenantId: str(a[AttributionAttributes.TENANT_ID]),
    sessionId: str(a[AttributionAttributes.SESSION_ID]),
    workflow: ownWorkflow ?? workflowName ?? str(a[GenAiAttributes.WORKFLOW_NAME]),
    workflowId: str(a[WorkflowAttributes.WORKFLOW_ID]),
    library: span.instrumentationScope.name === LIBRARY_NAME,
  };
}

/**
 * The library role of a span, read back from the attributes the engine stamps (the role marker, or the
 * OpenInference/Traceloop kinds); `null` for spans of other instrumentations that carry none of them.
 */
function roleOf(a: Attributes): string | null {
  const marker = str(a[GenAiAttributes.SPAN_TYPE]);
  if (marker) return marker;
  switch (a[OpenInferenceAttributes.SPAN_KIND]) {
    case 'LLM':
      return 'provider';
    case 'AGENT':
      return 'agent_task';
    case 'TOOL':
      return 'tool';
    case 'CHAIN': {
      const traceloop = a[TraceloopAttributes.SPAN_KIND];
      if (traceloop === 'workflow') return 'workflow';
      if (traceloop === 'task') return a[WorkflowAttributes.NODE_TYPE] !== undefined ? 'node' : 'agent_step';
      if (a[HttpAttributes.REQUEST_METHOD] !== undefined) return 'http';
      if (a[WebSocketAttributes.EVENT] !== undefined) return 'websocket';
      return 'node';
    }
  }
  if (a[GenAiAttributes.PROVIDER_NAME] !== undefined || a[GenAiAttributes.USAGE_INPUT_TOKENS] !== undefined) return 'provider';
  return null;
}

/** What the slowest-nodes report groups a span by: node type, tool or agent name, step phase. */
function nodeTypeOf(role: string | null, a: Attributes): string | null {
  switch (role) {
    case 'node':
      return str(a[WorkflowAttributes.NODE_TYPE]);
    case 'tool':
      return str(a[GenAiAttributes.TOOL_NAME]);
    case 'agent_task':
      return str(a[GenAiAttributes.AGENT_NAME]);
    case 'agent_step': {
      const agent = str(a[GenAiAttributes.AGENT_NAME]);
      const phase = str(a[WorkflowAttributes.AGENT_STEP_PHASE]);
      return phase ? (agent ? `${agent}: ${phase}` : phase) : null;
    }
    default:
      return str(a[WorkflowAttributes.NODE_TYPE]);
  }
}

function events(span: ReadableSpan): Array<{ name: string; timeMs: number; attributes?: Attributes }> {
  return span.events.map((e) => ({
    name: e.name,
    timeMs: hrTimeToMilliseconds(e.time),
    ...(e.attributes && Object.keys(e.attributes).length > 0 ? { attributes: e.attributes } : {}),
  }));
}

function exceptionType(span: ReadableSpan): string | null {
  for (const event of span.events) {
    const type = event.name === 'exception' ? str(event.attributes?.[EXCEPTION_TYPE]) : null;
    if (type) return type;
  }
  return null;
}

function str(value: AttributeValue | undefined): string | null {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null;
}

function num(value: AttributeValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function int(value: AttributeValue | undefined): number | null {
  const n = num(value);
  return n === null ? null : Math.round(n);
}
