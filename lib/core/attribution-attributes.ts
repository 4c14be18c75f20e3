import type { Attributes } from '@opentelemetry/api';
import { AttributionAttributes, WorkflowAttributes } from '../semconv.js';
import type { Attribution } from './span-scope.js';

/** Adds the attribution as span attributes (`user.id`, `session.id`, `tenant.id`, `workflow.id`, `workflow.job_id`). */
export function addAttributionAttributes(out: Attributes, a: Attribution): void {
  if (a.userId !== undefined) out[AttributionAttributes.USER_ID] = a.userId;
  if (a.sessionId !== undefined) out[AttributionAttributes.SESSION_ID] = a.sessionId;
  if (a.tenantId !== undefined) out[AttributionAttributes.TENANT_ID] = a.tenantId;
  if (a.workflowId !== undefined) out[WorkflowAttributes.WORKFLOW_ID] = a.workflowId;
  if (a.jobId !== undefined) out[WorkflowAttributes.JOB_ID] = a.jobId;
}
