import type { KnowledgeDocument } from '../../knowledge/documents.js';
import type { RunWorkflowDto } from '../dto/run-workflow.dto.js';
import type { WorkflowRun } from '../workflow-run.js';

export type TriageRun = WorkflowRun<RunWorkflowDto>;

export const CATEGORIES = ['billing', 'technical', 'account', 'product'] as const;
export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;

export interface Classification {
  category: (typeof CATEGORIES)[number];
  priority: (typeof PRIORITIES)[number];
  confidence: number;
}

/** What a triage run produces. */
export interface TriageRecord extends Classification {
  documentId: string;
  title: string;
  summary: string;
  /** Support queue the document is routed to. */
  queue: string;
}

export type { KnowledgeDocument };
