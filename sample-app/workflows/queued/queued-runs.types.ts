/** The BullMQ queue workflow runs are queued on; the job name is the workflow id. */
export const WORKFLOW_RUNS_QUEUE = 'workflow-runs';

/** Event emitted when a queued run finished, whatever the outcome (`@nestjs/event-emitter`). */
export const RUN_FINISHED_EVENT = 'workflow.run.finished';

/** Injection token of `QueueAvailability`. */
export const QUEUE_AVAILABILITY = Symbol('sample:queue_availability');

/** Whether queued runs are possible, decided at startup by probing Redis. */
export type QueueAvailability = { available: true; redisUrl: string } | { available: false; redisUrl: string; reason: string };

/** What a queued job carries besides the trace context (which BullMQ keeps in the job options). */
export interface QueuedRunData {
  input: unknown;
  /** For the status view; the run itself gets its user from the trace context. */
  userId: string | null;
  /** Trace of the request that enqueued the run, which the run joins. */
  traceId: string | null;
}

/** Payload of `RUN_FINISHED_EVENT`. */
export interface RunFinished {
  jobId: string;
  workflowId: string;
  status: 'completed' | 'failed';
}
