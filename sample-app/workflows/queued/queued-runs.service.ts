import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, NotFoundException, Optional, ServiceUnavailableException } from '@nestjs/common';
import type { Job, JobState, Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { TracingService } from 'nestjs-ai-tracing';
import type { JobStatus, WorkflowJobView } from '../workflow-job.js';
import { WORKFLOW_DEFINITIONS, type WorkflowDefinition } from '../workflow-run.js';
import { QUEUE_AVAILABILITY, WORKFLOW_RUNS_QUEUE, type QueueAvailability, type QueuedRunData } from './queued-runs.types.js';

const STATUS: Partial<Record<JobState | 'unknown', JobStatus>> = { active: 'running', completed: 'completed', failed: 'failed' };

/**
 * Enqueues workflow runs on BullMQ and reads them back by job id. The queue exists only when Redis answered at
 * startup; without it, enqueueing answers 503 with the reason.
 */
@Injectable()
export class QueuedRunsService {
  private readonly workflows: Set<string>;

  constructor(
    @Inject(QUEUE_AVAILABILITY) private readonly availability: QueueAvailability,
    @Inject(WORKFLOW_DEFINITIONS) definitions: WorkflowDefinition[],
    private readonly tracing: TracingService,
    @Optional() @InjectQueue(WORKFLOW_RUNS_QUEUE) private readonly queue?: Queue<QueuedRunData>,
  ) {
    this.workflows = new Set(definitions.map((d) => d.id));
  }

  /** Queues a run of `workflowId` for `userId`; it joins the current trace and user when a worker picks it up. */
  async enqueue(workflowId: string, input: unknown, userId: string | undefined): Promise<WorkflowJobView> {
    if (!this.workflows.has(workflowId)) throw new NotFoundException(`No workflow "${workflowId}". Available: ${[...this.workflows].join(', ')}`);
    const queue = this.queueOrExplain();
    let job: Job<QueuedRunData>;
    try {
      job = await queue.add(workflowId, { input, userId: userId ?? null, traceId: this.tracing.traceId() ?? null }, {
        jobId: randomUUID(),
        attempts: 2,
        backoff: { type: 'fixed', delay: 200 },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 1000 },
      });
    } catch (error) {
      throw new ServiceUnavailableException(`Queued runs could not reach Redis at ${this.availability.redisUrl}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return view(job, 'queued');
  }

  /** A queued run by job id, or undefined when there is no such job (or no queue). */
  async find(jobId: string): Promise<WorkflowJobView | undefined> {
    // The state first, then the job: a worker finishing in between then shows as still running (read again),
    // never as completed without its result (BullMQ stores the result as it moves the job to completed).
    const state = (await this.queue?.getJobState(jobId).catch(() => 'unknown' as const)) ?? 'unknown';
    const job = await this.queue?.getJob(jobId).catch(() => undefined);
    if (!job) return undefined;
    return view(job, STATUS[state] ?? 'queued');
  }

  private queueOrExplain(): Queue<QueuedRunData> {
    if (this.queue) return this.queue;
    const reason = this.availability.available ? 'the queue is not configured' : this.availability.reason;
    throw new ServiceUnavailableException(
      `Queued runs need Redis at ${this.availability.redisUrl} (REDIS_URL), which was not reachable when the app started: ${reason}. ` +
        'Start Redis and restart the app, or run the workflow without ?mode=queued.',
    );
  }
}

function view(job: Job<QueuedRunData>, status: JobStatus): WorkflowJobView {
  const finishedAt = job.finishedOn ? new Date(job.finishedOn) : undefined;
  return {
    jobId: job.id!,
    workflowId: job.name,
    status,
    userId: job.data.userId,
    startedAt: new Date(job.processedOn ?? job.timestamp).toISOString(),
    finishedAt: finishedAt?.toISOString() ?? null,
    durationMs: finishedAt && job.processedOn ? finishedAt.getTime() - job.processedOn : null,
    traceId: job.data.traceId,
    ...(status === 'completed' ? { result: job.returnvalue } : {}),
    ...(status === 'failed' ? { error: job.failedReason } : {}),
  };
}
