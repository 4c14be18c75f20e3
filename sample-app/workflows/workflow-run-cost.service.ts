import { Injectable } from '@nestjs/common';
import { CostAttributes, TraceStoreService, WorkflowAttributes, type SpanNode } from 'nestjs-ai-tracing';
import type { JobCost, WorkflowJob } from './workflow-job.js';

/**
 * What a finished run cost, read back from the trace store: the totals rolled up on the run's workflow span.
 * Null when the store is off, or when the run's spans are not written yet (the store writes in batches,
 * a fraction of a second after the run).
 */
@Injectable()
export class WorkflowRunCostService {
  constructor(private readonly traces: TraceStoreService) {}

  costOf(job: Pick<WorkflowJob, 'id' | 'traceId'>): JobCost | null {
    if (!this.traces.enabled || !job.traceId) return null;
    const tree = this.traces.getTrace(job.traceId);
    const run = tree && findSpan(tree.roots, (s) => s.role === 'workflow' && s.attributes[WorkflowAttributes.JOB_ID] === job.id);
    if (!run) return null;
    const count = (key: string) => (typeof run.attributes[key] === 'number' ? (run.attributes[key] as number) : 0);
    return {
      totalUsd: count(CostAttributes.TOTAL_USD),
      inputTokens: count(CostAttributes.INPUT_TOKENS),
      outputTokens: count(CostAttributes.OUTPUT_TOKENS),
      llmCalls: count(CostAttributes.LLM_CALLS),
    };
  }
}

function findSpan(nodes: SpanNode[], match: (span: SpanNode) => boolean): SpanNode | undefined {
  for (const node of nodes) {
    const found = match(node) ? node : findSpan(node.children, match);
    if (found) return found;
  }
  return undefined;
}
