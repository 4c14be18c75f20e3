/** Name and version reported as the instrumentation scope of every span this library creates. */
export const LIBRARY_NAME = 'nestjs-ai-tracing';
export const LIBRARY_VERSION = '0.1.0';

/** Injection token of the resolved, validated configuration. */
export const TRACING_CONFIG = Symbol.for('ai_tracing:config');
/** Injection token of the SDK handle (provider, exporter, lifecycle). */
export const TRACING_SDK = Symbol.for('ai_tracing:sdk');

/** Marks a method wrapped by the span engine, so it is never wrapped twice. */
export const TRACED_METHOD = Symbol.for('ai_tracing:traced');
/** Metadata key set by `@NoTrace()` on a controller, gateway or handler. */
export const NO_TRACE_METADATA = 'ai_tracing:no_trace';
/** Injection token of the embedded trace store (`TraceStore`, or `null` when the store is off). */
export const TRACE_STORE = Symbol.for('ai_tracing:store');
/** Injection token of the cost ledger (`CostLedger`: the trace store's cost rows, or `null`). */
export const COST_LEDGER = Symbol.for('ai_tracing:cost_ledger');
