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

  async costOf(job: Pick<WorkflowJob, 'id' | 'traceId'>): Promise<JobCost | null> {
    if (!this.traces.enabled || !job.traceId) return null;
    const tree = await this.traces.getTrace(job.traceId);
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

/** Depth-first search with a stack of its own: a trace can nest deeper than the call stack goes. */
function findSpan(roots: SpanNode[], match: (span: SpanNode) => boolean): SpanNode | undefined {
  const stack = [...roots].reverse();
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (match(node)) return node;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return undefined;
}
