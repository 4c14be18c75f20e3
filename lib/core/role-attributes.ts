import type { Attributes } from '@opentelemetry/api';
import { AttributionAttributes, OpenInferenceAttributes, TraceloopAttributes, WorkflowAttributes } from '../semconv.js';
import type { OpenInferenceSpanKind, TraceloopSpanKind } from '../semconv.js';
import type { Attribution, SpanRole } from './span-scope.js';

const KINDS: Record<SpanRole, [OpenInferenceSpanKind | undefined, TraceloopSpanKind | undefined]> = {
  workflow: ['CHAIN', 'workflow'],
  node: ['CHAIN', 'task'],
  provider: ['LLM', undefined],
  agent_task: ['AGENT', 'agent'],
  agent_step: ['CHAIN', 'task'],
  tool: ['TOOL', 'tool'],
  http: ['CHAIN', undefined],
  websocket: ['CHAIN', undefined],
  queue: ['CHAIN', undefined],
  rpc: ['CHAIN', undefined],
  event: ['CHAIN', undefined],
  manual: [undefined, undefined],
};

const ROLE_ATTRIBUTES = Object.fromEntries(
  Object.entries(KINDS).map(([role, [oi, tl]]) => {
    const attributes: Attributes = {};
    if (oi) attributes[OpenInferenceAttributes.SPAN_KIND] = oi;
    if (tl) attributes[TraceloopAttributes.SPAN_KIND] = tl;
    return [role, Object.freeze(attributes)];
  }),
) as Record<SpanRole, Readonly<Attributes>>;

/** OpenInference and Traceloop span kinds of a role (frozen, computed once). */
export function roleAttributes(role: SpanRole): Readonly<Attributes> {
  return ROLE_ATTRIBUTES[role];
}

/** Adds the attribution as span attributes (`user.id`, `session.id`, `tenant.id`, `workflow.id`, `workflow.job_id`). */
export function addAttributionAttributes(out: Attributes, a: Attribution): void {
  if (a.userId !== undefined) out[AttributionAttributes.USER_ID] = a.userId;
  if (a.sessionId !== undefined) out[AttributionAttributes.SESSION_ID] = a.sessionId;
  if (a.tenantId !== undefined) out[AttributionAttributes.TENANT_ID] = a.tenantId;
  if (a.workflowId !== undefined) out[WorkflowAttributes.WORKFLOW_ID] = a.workflowId;
  if (a.jobId !== undefined) out[WorkflowAttributes.JOB_ID] = a.jobId;
}
