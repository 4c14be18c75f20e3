import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, UseFilters } from '@nestjs/common';
import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { LlmProviderErrorFilter } from '../common/llm-provider-error.filter.js';
import { runWorkflowSchema, type RunWorkflowDto } from './dto/run-workflow.dto.js';
import type { WorkflowJobView } from './workflow-job.js';
import { WorkflowJobsService } from './workflow-jobs.service.js';
import { WorkflowRunCostService } from './workflow-run-cost.service.js';

/**
 * Runs workflows over HTTP. `POST /workflows/:workflowId/runs` waits for the run to finish and answers with
 * the job (its result, or 502 when an LLM provider failed); the job id also works with `GET` and `DELETE
 * /workflows/runs/:jobId`. For fire-and-forget runs with progress events, use the WebSocket `run_job` message.
 */
@Controller('workflows')
@UseFilters(LlmProviderErrorFilter)
export class WorkflowsController {
  constructor(
    private readonly jobs: WorkflowJobsService,
    private readonly costs: WorkflowRunCostService,
  ) {}

  @Get()
  list(): Array<{ id: string; description: string }> {
    return this.jobs.list();
  }

  @Post(':workflowId/runs')
  @HttpCode(HttpStatus.OK)
  async run(
    @Param('workflowId') workflowId: string,
    @Body({ schema: runWorkflowSchema }) body: RunWorkflowDto,
    @CurrentUser() user: AuthenticatedUser | undefined,
  ): Promise<WorkflowJobView> {
    const job = this.jobs.start(workflowId, body, user?.id);
    await job.done;
    if (job.status === 'failed') throw job.failure;
    return job.view();
  }

  @Get('runs/:jobId')
  get(@Param('jobId') jobId: string): WorkflowJobView {
    const job = this.jobs.get(jobId);
    return job.view(job.status === 'running' ? undefined : this.costs.costOf(job));
  }

  @Delete('runs/:jobId')
  @HttpCode(HttpStatus.ACCEPTED)
  cancel(@Param('jobId') jobId: string): { jobId: string; cancelled: boolean } {
    return { jobId, cancelled: this.jobs.cancel(jobId) };
  }
}
