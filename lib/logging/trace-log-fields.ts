import { isSpanContextValid, trace } from '@opentelemetry/api';

/** The trace context of a log line, with the field names the OpenTelemetry log conventions use outside OTLP. */
export interface TraceLogFields {
  /** 32 hex characters. */
  trace_id?: string;
  /** 16 hex characters. */
  span_id?: string;
  /** W3C trace flags as two hex digits: `01` when sampled. */
  trace_flags?: string;
}

/**
 * `trace_id`, `span_id` and `trace_flags` of the active span (an empty object outside any span), to join log lines
 * to traces. Its signature fits pino's `mixin` option directly. A new object every call: pino merges the log
 * call's fields into what the mixin returns.
 * @example
 * // pino
 * const logger = pino({ mixin: traceLogFields });
 * // nestjs-pino
 * LoggerModule.forRoot({ pinoHttp: { mixin: traceLogFields } });
 */
export function traceLogFields(): TraceLogFields {
  const ctx = trace.getActiveSpan()?.spanContext();
  if (!ctx || !isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: ctx.traceFlags.toString(16).padStart(2, '0') };
}
