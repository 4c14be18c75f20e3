import { field, objectSchema } from '../../common/object-schema.js';

/** Body of `POST /workflows/:workflowId/runs` (and the `input` of the `run_job` WebSocket message). */
export interface RunWorkflowDto {
  /** Knowledge-base document to triage (`GET /documents` lists them). */
  documentId: string;
  /** `detailed` asks for a longer summary. @default 'short' */
  summaryLength: 'short' | 'detailed';
  /** Overrides the summarizer model (Anthropic), e.g. to compare models. @default SUMMARY_MODEL */
  summaryModel?: string;
}

export const runWorkflowSchema = objectSchema<RunWorkflowDto>({
  documentId: field.string({ max: 100, pattern: /^[a-z0-9-]+$/ }),
  summaryLength: field.optional(field.oneOf(['short', 'detailed'] as const), 'short'),
  summaryModel: field.optional(field.string({ max: 100 })),
});
