import { Worker } from 'node:worker_threads';
import { queryBusy, queryTimedOut } from '../../tracing.messages.js';
import type { QueryWorkerData } from './query.worker.js';
import { TraceQueryTimeoutError, type SqlQuery, type StoreQueryRunner } from './store-query.js';

/** Tuning of the worker runner. */
export interface WorkerQueryRunnerOptions {
  /** Longest a call may take from submission to answer, waiting included. */
  timeoutMillis: number;
  /** Calls waiting behind the running one; more fail at once. @default 32 */
  maxWaiting?: number;
}

interface Job {
  queries: readonly SqlQuery[];
  resolve: (rows: unknown[][]) => void;
  reject: (error: Error) => void;
  deadline: number;
}

const WORKER_URL = new URL('./query.worker.js', import.meta.url);

/**
 * Runs the store's read queries in one worker thread with its own read-only connection (WAL lets it read while
 * the app's connection writes), one call at a time, so a report that scans the whole store costs the app's
 * event loop one message, not the scan.
 *
 * Every call is bounded in time: one that waited or ran past `timeoutMillis` fails with a
 * `TraceQueryTimeoutError`. A running statement cannot be interrupted (SQLite runs it in one native call), so
 * the worker running it is terminated and a new one takes the next call. The worker is started on first use
 * and never keeps the process alive.
 */
export class WorkerQueryRunner implements StoreQueryRunner {
  private worker: Worker | undefined;
  private running: Job | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiting: Job[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly options: WorkerQueryRunnerOptions,
  ) {}

  run(queries: readonly SqlQuery[]): Promise<unknown[][]> {
    if (this.closed) return Promise.reject(new Error('nestjs-ai-tracing: the trace store is closed'));
    if (this.waiting.length >= (this.options.maxWaiting ?? 32)) {
      return Promise.reject(new TraceQueryTimeoutError(queryBusy(this.waiting.length)));
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ queries, resolve, reject, deadline: Date.now() + this.options.timeoutMillis });
      this.next();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const closing = new Error('nestjs-ai-tracing: the trace store is closed');
    for (const job of this.waiting.splice(0)) job.reject(closing);
    this.finish()?.reject(closing);
    await this.stopWorker();
  }

  private next(): void {
    if (this.running || this.closed) return;
    let job = this.waiting.shift();
    // Calls that already waited out their time are not started at all.
    while (job && job.deadline <= Date.now()) {
      job.reject(new TraceQueryTimeoutError(queryTimedOut(this.options.timeoutMillis)));
      job = this.waiting.shift();
    }
    if (!job) return;
    this.running = job;
    const id = ++this.nextId;
    this.timer = setTimeout(() => this.timeOut(), Math.max(0, job.deadline - Date.now()));
    this.timer.unref();
    try {
      this.ensureWorker().postMessage({ id, queries: job.queries });
    } catch (error) {
      this.finish()?.reject(error instanceof Error ? error : new Error(String(error)));
      this.next();
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const workerData: QueryWorkerData = { path: this.path, busyTimeoutMillis: 2000 };
    const worker = new Worker(WORKER_URL, { workerData });
    worker.unref();
    worker.on('message', (message: { id: number; rows?: unknown[][]; error?: string }) => {
      if (message.id !== this.nextId) return;
      const job = this.finish();
      if (message.error !== undefined) job?.reject(new Error(message.error));
      else job?.resolve(message.rows ?? []);
      this.next();
    });
    // A worker that fails to start (or dies) fails the call it had; the next call starts a new one.
    const lost = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.finish()?.reject(error);
      this.next();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`nestjs-ai-tracing: the trace store's query worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private timeOut(): void {
    const job = this.finish();
    job?.reject(new TraceQueryTimeoutError(queryTimedOut(this.options.timeoutMillis)));
    // The statement may run for a long time still: leave that worker to finish dying, and go on with a new one.
    void this.stopWorker();
    this.next();
  }

  /** Takes the running job off and clears its timer. */
  private finish(): Job | undefined {
    const job = this.running;
    this.running = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return job;
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
