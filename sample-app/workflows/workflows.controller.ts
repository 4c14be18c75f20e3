import { BadRequestException, Body, Controller, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param, Post, Query, Res, UseFilters } from '@nestjs/common';
import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { LlmProviderErrorFilter } from '../common/llm-provider-error.filter.js';
import { runWorkflowSchema, type RunWorkflowDto } from './dto/run-workflow.dto.js';
import { QueuedRunsService } from './queued/queued-runs.service.js';
import type { WorkflowJobView } from './workflow-job.js';
import { WorkflowJobsService } from './workflow-jobs.service.js';
import { WorkflowRunCostService } from './workflow-run-cost.service.js';

/**
 * Runs workflows over HTTP. `POST /workflows/:workflowId/runs` waits for the run to finish and answers with
 * the job (its result, or 502 when an LLM provider failed); the job id also works with `GET` and `DELETE
 * /workflows/runs/:jobId`. With `?mode=queued` the run goes to a BullMQ queue instead: 202 with the job id at
 * once, the result by `GET /workflows/runs/:jobId` later (503 when Redis was not reachable at startup). For
 * fire-and-forget runs with progress events, use the WebSocket `run_job` message.
 */
@Controller('workflows')
@UseFilters(LlmProviderErrorFilter)
export class WorkflowsController {
  constructor(
    private readonly jobs: WorkflowJobsService,
    private readonly costs: WorkflowRunCostService,
    private readonly queued: QueuedRunsService,
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
    @Query('mode') mode: string | undefined,
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ): Promise<WorkflowJobView> {
    if (mode === 'queued') {
      const queued = await this.queued.enqueue(workflowId, body, user?.id);
      response.status(HttpStatus.ACCEPTED);
      return queued;
    }
    if (mode !== undefined && mode !== 'sync') throw new BadRequestException(`mode must be "sync" or "queued", got "${mode}"`);
    const job = this.jobs.start(workflowId, body, user?.id);
    await job.done;
    if (job.status === 'failed') throw job.failure;
    return job.view();
  }

  @Get('runs/:jobId')
  async get(@Param('jobId') jobId: string): Promise<WorkflowJobView> {
    const job = this.jobs.find(jobId);
    if (job) return job.view(job.status === 'running' ? undefined : await this.costs.costOf(job));
    const queued = await this.queued.find(jobId);
    if (!queued) throw new NotFoundException(`No job "${jobId}"`);
    const finished = queued.status === 'completed' || queued.status === 'failed';
    return { ...queued, ...(finished ? { cost: await this.costs.costOf({ id: queued.jobId, traceId: queued.traceId ?? undefined }) } : {}) };
  }

  @Delete('runs/:jobId')
  @HttpCode(HttpStatus.ACCEPTED)
  cancel(@Param('jobId') jobId: string): { jobId: string; cancelled: boolean } {
    return { jobId, cancelled: this.jobs.cancel(jobId) };
  }
}
