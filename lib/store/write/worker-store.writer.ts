import { Worker } from 'node:worker_threads';
import type { CostLedgerEntry } from '../../cost/cost.types.js';
import { reportOnce } from '../../core/safe-execute.js';
import type { SpanRow } from '../span-row.js';
import type { TraceStoreConfig } from '../trace-store.js';
import type { StoreWriteTuning, WriterCounters } from './store-write.core.js';
import type { StoreWriter } from './store-writer.js';
import type { StoreWriterReply, StoreWriterRequest, StoreWriterWorkerData } from './store-writer.worker.js';

const WORKER_URL = new URL('./store-writer.worker.js', import.meta.url);

/**
 * Hands rows to the store's writer thread: `write` posts a message and returns. Rows in flight count against
 * the processor's queue bound (`pending`), so a writer that falls behind makes the processor drop, not grow.
 * A writer thread that dies counts what it had in flight as failed; the next write starts a new one.
 */
export class WorkerStoreWriter implements StoreWriter {
  private worker: Worker | undefined;
  private readonly pendingItems = { spans: 0, costs: 0 };
  private readonly inFlight: Array<{ spans: number; costs: number }> = [];
  private readonly waiting = new Map<number, (value: number) => void>();
  private nextId = 0;
  private counted: WriterCounters = { written: 0, failed: 0, overCap: 0, costRows: 0, costDropped: 0 };
  /** Counts of writer threads that died, kept across restarts. */
  private lost: WriterCounters = { written: 0, failed: 0, overCap: 0, costRows: 0, costDropped: 0 };
  private failure: { message: string; at: number } | undefined;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly config: TraceStoreConfig,
    private readonly tuning: StoreWriteTuning,
  ) {
    // Started at once: retention runs in it from the start, as it does in-thread.
    this.ensureWorker();
  }

  get pending(): { spans: number; costs: number } {
    return this.pendingItems;
  }

  write(rows: SpanRow[], costs: CostLedgerEntry[]): void {
    if (this.closed || (rows.length === 0 && costs.length === 0)) return;
    try {
      this.post({ type: 'write', rows, costs });
      this.inFlight.push({ spans: rows.length, costs: costs.length });
      this.pendingItems.spans += rows.length;
      this.pendingItems.costs += costs.length;
    } catch (error) {
      this.counted.failed += rows.length;
      this.counted.costDropped += costs.length;
      reportOnce('trace store write', error);
    }
  }

  flush(): Promise<void> {
    return this.request((id) => ({ type: 'flush', id })).then(() => undefined);
  }

  prune(now?: number): Promise<number> {
    return this.request((id) => ({ type: 'prune', id, now }));
  }

  counters(): WriterCounters {
    const c = this.counted;
    const l = this.lost;
    return {
      written: c.written + l.written,
      failed: c.failed + l.failed,
      overCap: c.overCap + l.overCap,
      costRows: c.costRows + l.costRows,
      costDropped: c.costDropped + l.costDropped,
    };
  }

  lastFailure(): { message: string; at: number } | undefined {
    return this.failure;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const worker = this.worker;
    if (worker) {
      await this.request((id) => ({ type: 'close', id }));
      this.closed = true;
      this.worker = undefined;
      await worker.terminate();
    }
    this.closed = true;
  }

  /** Sends a request and resolves with its answer; 0 when the writer thread dies first or cannot be started. */
  private request(build: (id: number) => StoreWriterRequest): Promise<number> {
    if (this.closed) return Promise.resolve(0);
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      try {
        this.post(build(id));
      } catch (error) {
        this.waiting.delete(id);
        reportOnce('trace store writer', error);
        resolve(0);
      }
    });
  }

  private post(message: StoreWriterRequest): void {
    this.ensureWorker().postMessage(message);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const workerData: StoreWriterWorkerData = { path: this.path, config: this.config, tuning: this.tuning };
    const worker = new Worker(WORKER_URL, { workerData });
    // Never what keeps the process alive: `close()` (at app shutdown) writes what is pending.
    worker.unref();
    worker.on('message', (message: StoreWriterReply) => {
      if (message.type === 'written') {
        const batch = this.inFlight.shift();
        if (batch) {
          this.pendingItems.spans -= batch.spans;
          this.pendingItems.costs -= batch.costs;
        }
        this.counted = { ...message.counters };
        if (message.lastFailure) this.failure = message.lastFailure;
      } else {
        this.waiting.get(message.id)?.(message.value);
        this.waiting.delete(message.id);
      }
    });
    const lost = (error: Error | undefined) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      if (error) {
        reportOnce('trace store writer', error);
        this.failure = { message: error.message, at: Date.now() };
      }
      // What the dead thread counted, plus what it never answered for.
      this.lost = {
        written: this.lost.written + this.counted.written,
        failed: this.lost.failed + this.counted.failed + this.inFlight.reduce((n, b) => n + b.spans, 0),
        overCap: this.lost.overCap + this.counted.overCap,
        costRows: this.lost.costRows + this.counted.costRows,
        costDropped: this.lost.costDropped + this.counted.costDropped + this.inFlight.reduce((n, b) => n + b.costs, 0),
      };
      this.counted = { written: 0, failed: 0, overCap: 0, costRows: 0, costDropped: 0 };
      this.inFlight.length = 0;
      this.pendingItems.spans = 0;
      this.pendingItems.costs = 0;
      for (const resolve of this.waiting.values()) resolve(0);
      this.waiting.clear();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(this.closed ? undefined : new Error(`the trace store's writer thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
