import type { ExportResult } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * The SDK's in-memory exporter with a cap: keeps the newest `limit` spans, so a development app left running
 * with `exporter: 'memory'` does not grow without bound. Unlike the SDK's, it keeps its spans at shutdown, so
 * tests can still read them through `TracingService` after `app.close()`.
 */
export class BoundedMemorySpanExporter extends InMemorySpanExporter {
  constructor(private readonly limit = 10_000) {
    super();
  }

  override export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    super.export(spans, resultCallback);
    const kept = this.getFinishedSpans();
    if (kept.length > this.limit) kept.splice(0, kept.length - this.limit);
  }

  /** Stops accepting spans but, unlike the SDK's exporter, does not drop the ones it holds. */
  override shutdown(): Promise<void> {
    this._stopped = true;
    return this.forceFlush();
  }
}
