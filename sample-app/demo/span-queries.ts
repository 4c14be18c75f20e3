import { SpanStatusCode, type AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** Finished spans of one process, indexed for the questions the demo asks about them. */
export class SpanSet {
  private readonly byId = new Map<string, ReadableSpan>();

  constructor(readonly spans: readonly ReadableSpan[]) {
    for (const span of spans) this.byId.set(span.spanContext().spanId, span);
  }

  /** Spans of one trace, in start order. */
  trace(traceId: string): ReadableSpan[] {
    return this.spans.filter((s) => s.spanContext().traceId === traceId).sort((a, b) => millis(a.startTime) - millis(b.startTime));
  }

  /** Trace ids, in order of their first span. */
  traceIds(): string[] {
    return [...new Set([...this.spans].sort((a, b) => millis(a.startTime) - millis(b.startTime)).map((s) => s.spanContext().traceId))];
  }

  /** The exported parent of `span`, if any (a remote parent, e.g. the demo client's, is not exported). */
  parent(span: ReadableSpan): ReadableSpan | undefined {
    const id = span.parentSpanContext?.spanId;
    return id ? this.byId.get(id) : undefined;
  }

  children(span: ReadableSpan): ReadableSpan[] {
    const id = span.spanContext().spanId;
    return this.spans.filter((s) => s.parentSpanContext?.spanId === id);
  }

  descendants(span: ReadableSpan): ReadableSpan[] {
    const out: ReadableSpan[] = [];
    for (let queue = this.children(span); queue.length > 0; ) {
      const next = queue.shift()!;
      out.push(next);
      queue.push(...this.children(next));
    }
    return out;
  }

  /** Spans of a trace whose parent was not exported: what the trace hangs from. */
  roots(traceId: string): ReadableSpan[] {
    return this.trace(traceId).filter((s) => !this.parent(s));
  }
}

/** Milliseconds of an OTel `[seconds, nanoseconds]` time. */
export function millis(time: [number, number]): number {
  return time[0] * 1e3 + time[1] / 1e6;
}

/** Duration of a span in ms. */
export function durationMs(span: ReadableSpan): number {
  return millis(span.duration);
}

/** An attribute as a number, when it is one. */
export function num(span: ReadableSpan, key: string): number | undefined {
  const value: AttributeValue | undefined = span.attributes[key];
  return typeof value === 'number' ? value : undefined;
}

/** An attribute as a string, when present. */
export function str(span: ReadableSpan, key: string): string | undefined {
  const value: AttributeValue | undefined = span.attributes[key];
  return value === undefined ? undefined : String(value);
}

export function isError(span: ReadableSpan): boolean {
  return span.status.code === SpanStatusCode.ERROR;
}

/** True when two spans ran at the same time for a while. */
export function overlap(a: ReadableSpan, b: ReadableSpan): boolean {
  return millis(a.startTime) < millis(b.endTime) && millis(b.startTime) < millis(a.endTime);
}
