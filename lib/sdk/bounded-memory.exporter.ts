import type { ExportResult } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * The SDK's in-memory exporter with a cap: keeps the newest `limit` spans, so a development app left running
 * with `exporter: 'memory'` does not grow without bound.
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
}
