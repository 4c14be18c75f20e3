import { context } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describeThrown } from '../core/thrown-value.js';

/** How one exporter's queue works. */
export interface ExportQueueOptions {
  /** Spans waiting; beyond it new spans are dropped and counted. */
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  /** A batch not acknowledged in this time is counted as failed and the queue moves on. */
  exportTimeoutMillis: number;
  /**
   * Export each span as it ends, synchronously (the in-memory and console exporters: what a test or a developer
   * reads right after the call must already be there). No queue, no timer.
   */
  immediate: boolean;
}

/** Told when an exporter starts failing, recovers, or starts dropping spans (see `PipelineMonitor`). */
export interface ExportQueueListener {
  exportFailed(queue: ExportQueue, firstFailure: boolean): void;
  exportRecovered(queue: ExportQueue): void;
  spansDropped(queue: ExportQueue): void;
}

/**
 * One exporter behind its own bounded queue, with counters kept where things happen: every span handed to
 * it ends up exactly once in `exported`, `dropped` (queue full, or arrived after shutdown) or `failed` (its batch
 * failed or timed out), and is `queued` or `exporting` until then.
 *
 * Why not the SDK's `BatchSpanProcessor`: it keeps its queue, its drop count and its export outcomes private
 * (drops surface only as a diag line, failures only through the global error handler), so its health could only
 * be guessed by subtraction. This is the same algorithm (bounded queue, batches on a timer or when a batch is
 * full, one export at a time, export timeout, tracing suppressed during export) with the counts in the open.
 */
export class ExportQueue {
  exported = 0;
  dropped = 0;
  failed = 0;
  exporting = 0;
  /** Export calls that failed (each loses its whole batch). */
  failedExports = 0;
  /** Size of the batch the last failed export lost. */
  lastFailedBatch = 0;
  /** The last export failed and none succeeded since. */
  failing = false;
  lastError: string | undefined;
  lastErrorAt: number | undefined;
  lastSuccessAt: number | undefined;

  private spans: ReadableSpan[] = [];
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private closed = false;

  constructor(
    /** `otlp`, `console`, `memory`, or the class name of the app's own exporter. */
    readonly name: string,
    /** Where the exporter sends to, credentials removed (OTLP only). */
    readonly endpoint: string | undefined,
    private readonly exporter: SpanExporter,
    private readonly options: ExportQueueOptions,
    private readonly listener: ExportQueueListener | undefined,
  ) {}

  /** Spans waiting in the queue. */
  get queued(): number {
    return this.spans.length;
  }

  /** Hands one finished span to this exporter; never blocks, never throws. Runs for every span. */
  add(span: ReadableSpan): void {
    if (this.closed) {
      this.dropped++;
      return;
    }
    if (this.options.immediate) {
      this.exporting++;
      this.call([span], (result) => this.settle(1, result));
      return;
    }
    if (this.spans.length >= this.options.maxQueueSize) {
      this.dropped++;
      this.listener?.spansDropped(this);
      return;
    }
    this.spans.push(span);
    if (this.current !== undefined) return;
    if (this.timer === undefined) {
      this.schedule();
    } else if (this.spans.length === this.options.maxExportBatchSize) {
      // A batch is full while the delay runs: send it now rather than let the queue fill up.
      this.clearTimer();
      this.schedule();
    }
  }

  /** Exports everything queued now, one batch after another. */
  async forceFlush(): Promise<void> {
    this.clearTimer();
    let batches = Math.ceil(this.spans.length / this.options.maxExportBatchSize);
    while (this.current !== undefined || batches > 0) {
      if (this.current === undefined) {
        this.pump();
        batches--;
      }
      await this.current;
    }
    await this.exporter.forceFlush?.();
  }

  /** Flushes, then shuts the exporter down; spans that end later are dropped and counted. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.forceFlush();
    await this.exporter.shutdown();
  }

  private schedule(): void {
    const full = this.spans.length >= this.options.maxExportBatchSize;
    // A full batch goes on the next turn (never inside the span.end() that filled it); otherwise after the delay.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, full ? 0 : this.options.scheduledDelayMillis);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Starts exporting one batch unless an export is in progress. */
  private pump(): void {
    if (this.current !== undefined || this.spans.length === 0) return;
    this.clearTimer();
    const batch = this.spans.splice(0, this.options.maxExportBatchSize);
    this.current = this.send(batch).then(() => {
      this.current = undefined;
      if (this.spans.length > 0 && this.timer === undefined && !this.closed) this.schedule();
    });
  }

  /** One export call, settled by the exporter's callback or by the export timeout, whichever comes first. */
  private send(batch: ReadableSpan[]): Promise<void> {
    this.exporting += batch.length;
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (result: ExportResult) => {
        if (done) return;
        done = true;
        clearTimeout(timeout);
        this.settle(batch.length, result);
        resolve();
      };
      const ms = this.options.exportTimeoutMillis;
      const timeout = setTimeout(() => finish({ code: ExportResultCode.FAILED, error: new Error(`export timed out after ${ms} ms`) }), ms);
      timeout.unref();
      // The exporter's own HTTP/gRPC calls must not be traced by instrumentations (they would feed this queue).
      context.with(suppressTracing(context.active()), () => this.call(batch, finish));
    });
  }

  private call(batch: ReadableSpan[], callback: (result: ExportResult) => void): void {
    try {
      this.exporter.export(batch, callback);
    } catch (error) {
      callback({ code: ExportResultCode.FAILED, error: new Error(describeThrown(error).message) });
    }
  }

  private settle(count: number, result: ExportResult): void {
    this.exporting -= count;
    if (result.code === ExportResultCode.SUCCESS) {
      this.exported += count;
      this.lastSuccessAt = Date.now();
      if (this.failing) {
        this.failing = false;
        this.listener?.exportRecovered(this);
      }
      return;
    }
    this.failed += count;
    this.failedExports++;
    this.lastFailedBatch = count;
    this.lastError = errorText(result.error);
    this.lastErrorAt = Date.now();
    const first = !this.failing;
    this.failing = true;
    this.listener?.exportFailed(this, first);
  }
}

/** One line, bounded: exporter errors can carry a whole response body. */
function errorText(error: unknown): string {
  const text = error === undefined ? 'export failed' : describeThrown(error).message;
  const line = text.replace(/\s+/g, ' ').trim() || 'export failed';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
