import { TraceFlags, type Span } from '@opentelemetry/api';

/** Spans started and then given up: ended like any other, never exported, counted as never started. */
const discarded = new WeakSet<object>();

/**
 * Gives up `span` before its end (an HTTP request whose handler turned out to be `@NoTrace()`, known only once
 * Nest has routed it, after its span was opened on arrival). Its span context loses the sampled flag, which
 * every span processor reads at the span's end (the SDK's batch and simple processors, a reused provider's
 * included), so none exports it.
 */
export function discard(span: Span): void {
  discarded.add(span);
  const spanContext = span.spanContext();
  // The SDK hands out its own span context object: this is what its processors read at the end.
  spanContext.traceFlags &= ~TraceFlags.SAMPLED;
}

/** Whether `span` was given up with `discard` (so processors that counted its start can take it back). */
export function isDiscarded(span: object): boolean {
  return discarded.has(span);
}
