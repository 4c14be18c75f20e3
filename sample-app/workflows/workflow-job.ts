import { Subject } from 'rxjs';

/** `queued`: waiting in the BullMQ queue (`?mode=queued`). */
export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** What happens to a job, as WebSocket clients see it. */
export type JobEvent =
  | { type: 'progress'; jobId: string; node: string }
  | { type: 'completed'; jobId: string; result: unknown }
  | { type: 'failed'; jobId: string; error: string }
  | { type: 'cancelled'; jobId: string };

/** Cost of a run as the trace store recorded it (the workflow span's rolled-up totals). */
export interface JobCost {
  totalUsd: number;
  inputTokens: number;
  outputTokens: number;
  llmCalls: number;
}

/** A job as the API returns it. */
export interface WorkflowJobView {
  jobId: string;
  workflowId: string;
  status: JobStatus;
  userId: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  traceId: string | null;
  result?: unknown;
  error?: string;
  /** Null while the run's spans are not stored yet, or when the trace store is off. */
  cost?: JobCost | null;
}

/** One workflow run in progress or finished. */
export class WorkflowJob {
  status: JobStatus = 'running';
  readonly startedAt = new Date();
  finishedAt: Date | undefined;
  result: unknown;
  /** The error a failed run threw, for the HTTP layer to map (e.g. a provider error to 502). */
  failure: unknown;
  readonly events = new Subject<JobEvent>();
  private readonly controller = new AbortController();
  private settled: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly workflowId: string,
    readonly userId: string | undefined,
    readonly traceId: string | undefined,
  ) {}

  /** Aborted on `cancel()`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Settles (never rejects) when the run finished, whatever the outcome. */
  get done(): Promise<void> {
    return this.settled;
  }

  /** Follows `run` to its end. */
  track(run: Promise<unknown>): void {
    this.settled = run.then(
      (result) => this.finish('completed', () => (this.result = result)),
      (error: unknown) => this.finish(this.signal.aborted ? 'cancelled' : 'failed', () => (this.failure = error)),
    );
  }

  /** Asks the run to stop; false when it already finished. */
  cancel(): boolean {
    if (this.status !== 'running') return false;
    this.controller.abort();
    return true;
  }

  view(cost?: JobCost | null): WorkflowJobView {
    return {
      jobId: this.id,
      workflowId: this.workflowId,
      status: this.status,
      userId: this.userId ?? null,
      startedAt: this.startedAt.toISOString(),
      finishedAt: this.finishedAt?.toISOString() ?? null,
      durationMs: this.finishedAt ? this.finishedAt.getTime() - this.startedAt.getTime() : null,
      traceId: this.traceId ?? null,
      ...(this.status === 'completed' ? { result: this.result } : {}),
      ...(this.status === 'failed' ? { error: this.failure instanceof Error ? this.failure.message : String(this.failure) } : {}),
      ...(cost !== undefined ? { cost } : {}),
    };
  }

  private finish(status: JobStatus, record: () => void): void {
    record();
    this.status = status;
    this.finishedAt = new Date();
    const jobId = this.id;
    if (status === 'completed') this.events.next({ type: 'completed', jobId, result: this.result });
    else if (status === 'cancelled') this.events.next({ type: 'cancelled', jobId });
    else this.events.next({ type: 'failed', jobId, error: this.view().error ?? 'failed' });
    this.events.complete();
  }
}
