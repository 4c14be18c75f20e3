import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * The exporter every per-call contender shares: accepts and drops spans (no serialisation, no I/O), so the
 * figures measure the tracing path, not a transport. It counts what it received and keeps the last span of
 * each batch, so the bench can check that each contender really produced the spans it claims.
 */
export class DropSpanExporter implements SpanExporter {
  received = 0;
  last: ReadableSpan | undefined;
  /** When set, every exported span is also pushed here (for inspection, never during a measurement). */
  capture: ReadableSpan[] | undefined;

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.received += spans.length;
    this.last = spans[spans.length - 1] ?? this.last;
    if (this.capture) this.capture.push(...spans);
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Counts what passes through a real exporter: spans handed over, and spans in exports that failed. */
export class CountingSpanExporter implements SpanExporter {
  handed = 0;
  exports = 0;
  failedSpans = 0;
  failedExports = 0;
  succeededSpans = 0;
  lastError: string | undefined;

  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.handed += spans.length;
    this.exports += 1;
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        this.succeededSpans += spans.length;
      } else {
        this.failedSpans += spans.length;
        this.failedExports += 1;
        this.lastError = result.error?.message ?? 'export failed';
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
