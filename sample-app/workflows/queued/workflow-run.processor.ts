import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { UnrecoverableError, type Job } from 'bullmq';
import { WORKFLOW_DEFINITIONS, type WorkflowDefinition } from '../workflow-run.js';
import { RUN_FINISHED_EVENT, WORKFLOW_RUNS_QUEUE, type QueuedRunData, type RunFinished } from './queued-runs.types.js';

/**
 * Runs queued workflows. Nothing here is about tracing: `BullMqTelemetry` (in `QueuedRunsModule`) makes each
 * attempt a `process workflow-runs` span in the trace of the request that enqueued it, with that request's user,
 * and the workflow's cost rolls up onto it.
 */
@Processor(WORKFLOW_RUNS_QUEUE, { concurrency: 4 })
export class WorkflowRunProcessor extends WorkerHost {
  private readonly definitions: Map<string, WorkflowDefinition>;

  constructor(
    @Inject(WORKFLOW_DEFINITIONS) definitions: WorkflowDefinition[],
    private readonly events: EventEmitter2,
  ) {
    super();
    this.definitions = new Map(definitions.map((d) => [d.id, d]));
  }

  async process(job: Job<QueuedRunData>, _token?: string, signal?: AbortSignal): Promise<unknown> {
    const definition = this.definitions.get(job.name);
    if (!definition) throw new UnrecoverableError(`No workflow "${job.name}"`);
    const finished = (status: RunFinished['status']) => this.events.emit(RUN_FINISHED_EVENT, { jobId: job.id!, workflowId: job.name, status } satisfies RunFinished);
    try {
      const result = await definition.run({
        jobId: job.id!,
        workflowId: job.name,
        input: job.data.input,
        signal: signal ?? new AbortController().signal,
        progress: () => undefined,
      });
      finished('completed');
      return result;
    } catch (error) {
      finished('failed');
      throw error;
    }
  }
}
