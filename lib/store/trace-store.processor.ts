import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { CostLedger, CostLedgerEntry } from '../cost/cost.types.js';
import { reportOnce, safeExecute } from '../core/safe-execute.js';
import { getAttribution } from '../core/span-scope.js';
import { describeThrown } from '../core/thrown-value.js';
import { storeQueueFull } from '../tracing.messages.js';
import { toSpanRow, type SpanRow } from './span-row.js';
import type { WriterCounters } from './write/store-write.core.js';
import type { StoreWriter } from './write/store-writer.js';

/** Tuning of the store's span processor. */
export interface TraceStoreProcessorOptions {
  /**
   * Spans waiting to be written (queued here or in flight to the writer), and separately cost rows; beyond it
   * new ones are dropped and counted. Cost rows have their own bound, so a flood of spans never pushes them out.
   */
  maxQueueSize: number;
  /** Spans per hand-over to the writer; a full batch goes on the next turn of the event loop. @default 512 */
  batchSize?: number;
  /** Longest wait before a partial batch is handed over, in ms. @default 200 */
  flushDelayMillis?: number;
}

/** What the processor and its writer did so far. */
export interface TraceStoreProcessorCounters extends WriterCounters {
  /** Spans and cost rows waiting to be written. */
  queued: number;
  /** Spans dropped because the queue was full. */
  dropped: number;
}

/**
 * Span processor of the trace store, and its cost ledger. `onEnd` and `record` only append to bounded queues
 * (when full the span or cost row is dropped and counted, never waited for); rows are built on a later turn of
 * the event loop and handed to the store's writer thread, which writes them in transactions, so a request never
 * waits on SQLite. Nothing it does can throw into the app.
 */
export class TraceStoreProcessor implements SpanProcessor, CostLedger {
  private queue: ReadableSpan[] = [];
  private costs: CostLedgerEntry[] = [];
  private readonly workflows = new WeakMap<object, string>();
  private readonly counters = { dropped: 0, failed: 0, costDropped: 0 };
  private failure: { message: string; at: number } | undefined;
  private readonly batchSize: number;
  private readonly flushDelayMillis: number;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(
    private readonly writer: StoreWriter,
    private readonly options: TraceStoreProcessorOptions,
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 512);
    this.flushDelayMillis = options.flushDelayMillis ?? 200;
  }

  /** Remembers the enclosing workflow, which only the start context knows. */
  onStart(span: Span, parentContext: Context): void {
    if (this.closed) return;
    safeExecute('trace store (span start)', () => {
      const workflow = getAttribution(parentContext).workflowName;
      if (workflow !== undefined) this.workflows.set(span, workflow);
    });
  }

  onEnd(span: ReadableSpan): void {
    if (this.closed) return;
    safeExecute('trace store (span end)', () => {
      if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
      if (this.queue.length + this.writer.pending.spans >= this.options.maxQueueSize) {
        this.counters.dropped += 1;
        reportOnce('trace store queue', new Error(storeQueueFull(this.options.maxQueueSize)));
        return;
      }
      this.queue.push(span);
      this.schedule();
    });
  }

  /** Queues the cost row of one provider call (sampled or not). */
  record(call: CostLedgerEntry): void {
    if (this.closed) return;
    if (this.costs.length + this.writer.pending.costs >= this.options.maxQueueSize) {
      this.counters.costDropped += 1;
      reportOnce('trace store cost queue', new Error(storeQueueFull(this.options.maxQueueSize)));
      return;
    }
    this.costs.push(call);
    this.schedule();
  }

  /** Writes everything queued now; resolves once written. */
  forceFlush(): Promise<void> {
    this.drain(Infinity);
    return this.writer.flush();
  }

  /** Writes what is queued and stops accepting spans. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.drain(Infinity);
    this.closed = true;
    this.cancelTimers();
    await this.writer.flush();
  }

  /** Counts so far (a snapshot). */
  stats(): TraceStoreProcessorCounters {
    const written = this.writer.counters();
    return {
      queued: this.queue.length + this.costs.length + this.writer.pending.spans + this.writer.pending.costs,
      dropped: this.counters.dropped,
      written: written.written,
      failed: written.failed + this.counters.failed,
      overCap: written.overCap,
      costRows: written.costRows,
      costDropped: written.costDropped + this.counters.costDropped,
    };
  }

  /** The last error that lost spans or cost rows (building rows here, or a database error in the writer), and when. */
  lastFailure(): { message: string; at: number } | undefined {
    const writer = this.writer.lastFailure();
    if (!writer) return this.failure;
    return !this.failure || writer.at >= this.failure.at ? writer : this.failure;
  }

  private schedule(): void {
    if (this.queue.length >= this.batchSize || this.costs.length >= this.batchSize) {
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        this.drain(this.batchSize);
      });
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain(this.batchSize);
      }, this.flushDelayMillis);
      // Pending spans must not keep the process alive; shutdown writes them.
      this.timer.unref();
    }
  }

  /** Hands over up to `limit` spans (and as many cost rows) in batches; the rest is scheduled again. */
  private drain(limit: number): void {
    let budget = limit;
    while ((this.queue.length > 0 || this.costs.length > 0) && budget > 0) {
      const take = Math.min(this.batchSize, budget);
      const batch = this.queue.splice(0, Math.min(take, this.queue.length));
      const costs = this.costs.splice(0, Math.min(take, this.costs.length));
      budget -= Math.max(batch.length, costs.length);
      this.handOver(batch, costs);
    }
    if ((this.queue.length > 0 || this.costs.length > 0) && !this.closed) this.schedule();
  }

  private handOver(batch: readonly ReadableSpan[], costs: CostLedgerEntry[]): void {
    let rows: SpanRow[];
    try {
      rows = batch.map((span) => toSpanRow(span, this.workflows.get(span)));
    } catch (error) {
      this.counters.failed += batch.length;
      this.counters.costDropped += costs.length;
      this.failure = { message: describeThrown(error).message, at: Date.now() };
      reportOnce('trace store write', error);
      return;
    }
    this.writer.write(rows, costs);
  }

  private cancelTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}
