import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { reportOnce, safeExecute } from '../core/safe-execute.js';
import { getAttribution } from '../core/span-scope.js';
import { describeThrown } from '../core/thrown-value.js';
import { storeQueueFull } from '../tracing.messages.js';
import { toSpanRow } from './span-row.js';
import type { SpanWriter } from './span-writer.js';

/** Tuning of the store's span processor. */
export interface TraceStoreProcessorOptions {
  /** Spans waiting to be written; beyond it new spans are dropped and counted. */
  maxQueueSize: number;
  /** Spans per transaction; a full batch is written on the next turn of the event loop. @default 512 */
  batchSize?: number;
  /** Longest wait before a partial batch is written, in ms. @default 200 */
  flushDelayMillis?: number;
}

/** What the processor did so far. */
export interface TraceStoreProcessorCounters {
  /** Spans waiting in the queue. */
  queued: number;
  /** Spans written to the database. */
  written: number;
  /** Spans dropped because the queue was full. */
  dropped: number;
  /** Spans lost to a database error. */
  failed: number;
}

/**
 * Span processor of the trace store. `onEnd` only appends the finished span to a bounded queue (when full the
 * span is dropped and counted, never waited for); rows are built and written in batched transactions on a
 * later turn of the event loop, so a request never waits on SQLite. Nothing it does can throw into the app.
 */
export class TraceStoreProcessor implements SpanProcessor {
  private queue: ReadableSpan[] = [];
  private readonly workflows = new WeakMap<object, string>();
  private readonly counters = { written: 0, dropped: 0, failed: 0 };
  private failure: { message: string; at: number } | undefined;
  private readonly batchSize: number;
  private readonly flushDelayMillis: number;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(
    private readonly writer: SpanWriter,
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
      if (this.queue.length >= this.options.maxQueueSize) {
        this.counters.dropped += 1;
        reportOnce('trace store queue', new Error(storeQueueFull(this.options.maxQueueSize)));
        return;
      }
      this.queue.push(span);
      this.schedule();
    });
  }

  /** Writes every queued span now. */
  forceFlush(): Promise<void> {
    this.drain(Infinity);
    return Promise.resolve();
  }

  /** Writes what is queued and stops accepting spans. */
  shutdown(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.drain(Infinity);
    this.closed = true;
    this.cancelTimers();
    return Promise.resolve();
  }

  /** Counts so far (a snapshot). */
  stats(): TraceStoreProcessorCounters {
    return { queued: this.queue.length, ...this.counters };
  }

  /** The last database error and when (epoch ms), if any. */
  lastFailure(): { message: string; at: number } | undefined {
    return this.failure;
  }

  private schedule(): void {
    if (this.queue.length >= this.batchSize) {
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

  /** Writes up to `limit` spans, a batch per transaction; what is left is scheduled again. */
  private drain(limit: number): void {
    let budget = limit;
    while (this.queue.length > 0 && budget > 0) {
      const take = Math.min(this.batchSize, budget, this.queue.length);
      const batch = this.queue.splice(0, take);
      budget -= take;
      this.writeBatch(batch);
    }
    if (this.queue.length > 0 && !this.closed) this.schedule();
  }

  private writeBatch(batch: readonly ReadableSpan[]): void {
    try {
      const rows = batch.map((span) => toSpanRow(span, this.workflows.get(span)));
      this.counters.written += this.writer.write(rows);
    } catch (error) {
      this.counters.failed += batch.length;
      this.failure = { message: describeThrown(error).message, at: Date.now() };
      reportOnce('trace store write', error);
    }
  }

  private cancelTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}
