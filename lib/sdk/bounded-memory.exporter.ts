import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
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

  /** Answers synchronously (the SDK's answers on a timer), so its export counters are final when a call returns. */
  override export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this._stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('Exporter has been stopped') });
      return;
    }
    const kept = this.getFinishedSpans();
    kept.push(...spans);
    if (kept.length > this.limit) kept.splice(0, kept.length - this.limit);
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  /** Stops accepting spans but, unlike the SDK's exporter, does not drop the ones it holds. */
  override shutdown(): Promise<void> {
    this._stopped = true;
    return this.forceFlush();
  }
}
