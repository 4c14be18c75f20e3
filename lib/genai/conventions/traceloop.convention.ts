import type { SpanRole } from '../../core/span-scope.js';
import { TraceloopAttributes, type TraceloopSpanKind } from '../../semconv.js';
import type { Convention } from './convention.js';

const ROLE_KINDS: Partial<Record<SpanRole, TraceloopSpanKind>> = {
  workflow: 'workflow',
  node: 'task',
  agent_task: 'agent',
  agent_step: 'task',
  tool: 'tool',
};

const ASSOCIATION = TraceloopAttributes.ASSOCIATION_PROPERTIES;

/**
 * Traceloop / OpenLLMetry grouping, as its SDK's decorators and span processor write it
 * (traceloop/openllmetry-js, packages/traceloop-sdk/src/lib/tracing/decorators.ts and span-processor.ts):
 * `traceloop.span.kind` on workflow, task, agent and tool spans; `traceloop.workflow.name` on every span
 * inside a workflow (an agent names the workflow of its subtree, as there); `traceloop.entity.name` on entity
 * spans; `traceloop.entity.path`, the dotted names of the enclosing tasks and tools (empty on an entity at the
 * top); and the attribution as association properties on every span. LLM spans rely on the GenAI attributes,
 * which OpenLLMetry's instrumentations emit too.
 */
export const traceloopConvention: Convention = {
  name: 'traceloop',
  everySpan: true,
  roleAttributes(role, out) {
    const kind = ROLE_KINDS[role];
    if (kind) out[TraceloopAttributes.SPAN_KIND] = kind;
  },
  spanStart(out, span) {
    if (span.groupName !== undefined) out[TraceloopAttributes.WORKFLOW_NAME] = span.groupName;
    if (ROLE_KINDS[span.role] && span.entityName !== undefined) {
      out[TraceloopAttributes.ENTITY_NAME] = span.entityName;
      out[TraceloopAttributes.ENTITY_PATH] = span.entityPath ?? '';
    } else if (span.entityPath !== undefined) {
      out[TraceloopAttributes.ENTITY_PATH] = span.entityPath;
    }
    const a = span.attribution;
    if (a.userId !== undefined) out[`${ASSOCIATION}.user_id`] = a.userId;
    if (a.sessionId !== undefined) out[`${ASSOCIATION}.session_id`] = a.sessionId;
    if (a.tenantId !== undefined) out[`${ASSOCIATION}.tenant_id`] = a.tenantId;
  },
};

/** Roles whose span is a Traceloop entity that extends the entity path of its subtree (tasks and tools). */
export function extendsEntityPath(role: SpanRole): boolean {
  return role === 'node' || role === 'agent_step' || role === 'tool';
}
