import { Module } from '@nestjs/common';
import { KnowledgeModule } from '../knowledge/knowledge.module.js';
import { LlmModule } from '../llm/llm.module.js';
import { ClassifyNode } from './document-triage/classify.node.js';
import { DocumentTriageWorkflow } from './document-triage/document-triage.workflow.js';
import { FetchDocumentNode } from './document-triage/fetch-document.node.js';
import { MergeNode } from './document-triage/merge.node.js';
import { SummarizeNode } from './document-triage/summarize.node.js';
import { WORKFLOW_DEFINITIONS } from './workflow-run.js';
import { WorkflowJobsService } from './workflow-jobs.service.js';
import { WorkflowRunCostService } from './workflow-run-cost.service.js';
import { WorkflowsController } from './workflows.controller.js';

/** Workflow definitions, their jobs and the HTTP API to run them. */
@Module({
  imports: [KnowledgeModule, LlmModule],
  controllers: [WorkflowsController],
  providers: [
    FetchDocumentNode,
    SummarizeNode,
    ClassifyNode,
    MergeNode,
    DocumentTriageWorkflow,
    { provide: WORKFLOW_DEFINITIONS, inject: [DocumentTriageWorkflow], useFactory: (...definitions: DocumentTriageWorkflow[]) => definitions },
    WorkflowJobsService,
    WorkflowRunCostService,
  ],
  exports: [WorkflowJobsService, WorkflowRunCostService, WORKFLOW_DEFINITIONS],
})
export class WorkflowsModule {}
