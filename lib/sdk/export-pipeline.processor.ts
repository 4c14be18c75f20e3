import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { isDiscarded } from '../core/discarded-spans.js';
import type { ExportQueue } from './export-queue.js';

/**
 * The span processor of a provider this module creates: counts sampled spans as they start and end, and hands
 * each finished one to every exporter's queue. Two increments and one push per exporter per span: it runs on
 * every traced call.
 */
export class ExportPipelineProcessor implements SpanProcessor {
  /** Sampled spans started. */
  started = 0;
  /** Sampled spans ended. */
  ended = 0;
  /** Sampled spans started and not ended yet. */
  open = 0;

  constructor(readonly queues: readonly ExportQueue[]) {}

  onStart(span: Span, _parentContext: Context): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.started++;
    this.open++;
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) {
      // Sampled at its start, given up since: as if it had never started.
      if (isDiscarded(span)) {
        this.started--;
        this.open--;
      }
      return;
    }
    this.ended++;
    this.open--;
    const queues = this.queues;
    for (let i = 0; i < queues.length; i++) queues[i]!.add(span);
  }

  forceFlush(): Promise<void> {
    return allOf(this.queues.map((queue) => queue.forceFlush()));
  }

  shutdown(): Promise<void> {
    return allOf(this.queues.map((queue) => queue.shutdown()));
  }
}

/** Waits for every exporter (one failing must not cut another's flush short), then reports the first failure. */
async function allOf(work: Array<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(work);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}
