import { Injectable } from '@nestjs/common';
import { TraceWorkflow } from 'nestjs-ai-tracing';
import type { RunWorkflowDto } from '../dto/run-workflow.dto.js';
import { runInParallel } from '../run-in-parallel.js';
import type { WorkflowDefinition, WorkflowRun } from '../workflow-run.js';
import { ClassifyNode } from './classify.node.js';
import { FetchDocumentNode } from './fetch-document.node.js';
import { MergeNode } from './merge.node.js';
import { SummarizeNode } from './summarize.node.js';
import type { TriageRecord, TriageRun } from './triage.types.js';

/**
 * fetch → (summarize ‖ classify) → merge. The two LLM nodes run in parallel, on two providers; their spans
 * overlap in the trace and their cost rolls up into the workflow span (`cost.total_usd`).
 */
@Injectable()
export class DocumentTriageWorkflow implements WorkflowDefinition<RunWorkflowDto, TriageRecord> {
  readonly id = 'document-triage';
  readonly description = 'Summarize and classify a support document, and route it to a queue';

  constructor(
    private readonly fetchDocument: FetchDocumentNode,
    private readonly summarize: SummarizeNode,
    private readonly classify: ClassifyNode,
    private readonly merge: MergeNode,
  ) {}

  @TraceWorkflow({
    name: 'document-triage',
    workflowId: (run: WorkflowRun<RunWorkflowDto>) => run.workflowId,
    jobId: (run: WorkflowRun<RunWorkflowDto>) => run.jobId,
  })
  async run(run: TriageRun): Promise<TriageRecord> {
    const document = await this.fetchDocument.execute(run);
    run.progress({ node: 'fetch', status: 'completed' });
    const [summary, classification] = await runInParallel(run.signal, [
      (signal) => this.summarize.execute(document, run, signal),
      (signal) => this.classify.execute(document, run, signal),
    ] as const);
    run.progress({ node: 'summarize+classify', status: 'completed' });
    const record = this.merge.execute(document, summary, classification);
    run.progress({ node: 'merge', status: 'completed' });
    return record;
  }
}
