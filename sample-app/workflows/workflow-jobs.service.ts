import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TracingService } from 'nestjs-ai-tracing';
import { WORKFLOW_DEFINITIONS, type WorkflowDefinition } from './workflow-run.js';
import { WorkflowJob } from './workflow-job.js';

/** Finished jobs kept for status queries; the oldest finished ones are dropped first. */
const MAX_JOBS = 1000;

/** Starts, tracks and cancels workflow jobs (in memory: a real app would use a queue and a database). */
@Injectable()
export class WorkflowJobsService {
  private readonly definitions: Map<string, WorkflowDefinition>;
  private readonly jobs = new Map<string, WorkflowJob>();

  constructor(
    @Inject(WORKFLOW_DEFINITIONS) definitions: WorkflowDefinition[],
    private readonly tracing: TracingService,
  ) {
    this.definitions = new Map(definitions.map((d) => [d.id, d]));
  }

  /** Workflows that can be run. */
  list(): Array<{ id: string; description: string }> {
    return [...this.definitions.values()].map(({ id, description }) => ({ id, description }));
  }

  /**
   * Starts `workflowId` on `input` and returns at once. The run belongs to the current trace (the HTTP
   * request or WebSocket message that started it) and to its user.
   */
  start(workflowId: string, input: unknown, userId: string | undefined): WorkflowJob {
    const definition = this.definitions.get(workflowId);
    if (!definition) throw new NotFoundException(`No workflow "${workflowId}". Available: ${[...this.definitions.keys()].join(', ')}`);
    const job = new WorkflowJob(randomUUID(), workflowId, userId, this.tracing.traceId());
    this.remember(job);
    job.track(
      definition.run({
        jobId: job.id,
        workflowId,
        input,
        signal: job.signal,
        progress: (event) => job.events.next({ type: 'progress', jobId: job.id, node: event.node }),
      }),
    );
    return job;
  }

  get(jobId: string): WorkflowJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new NotFoundException(`No job "${jobId}"`);
    return job;
  }

  /** The job, or undefined when this service did not start it (a queued run, an unknown id). */
  find(jobId: string): WorkflowJob | undefined {
    return this.jobs.get(jobId);
  }

  /** Cancels a running job; false when it already finished. */
  cancel(jobId: string): boolean {
    return this.get(jobId).cancel();
  }

  private remember(job: WorkflowJob): void {
    if (this.jobs.size >= MAX_JOBS) {
      for (const [id, old] of this.jobs) {
        if (old.status === 'running') continue;
        this.jobs.delete(id);
        if (this.jobs.size < MAX_JOBS) break;
      }
    }
    this.jobs.set(job.id, job);
  }
}
