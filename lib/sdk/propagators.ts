import type { TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger';
import type { PropagatorName } from '../config/tracing-options.interface.js';

const FACTORIES: Record<Exclude<PropagatorName, 'none'>, () => TextMapPropagator> = {
  tracecontext: () => new W3CTraceContextPropagator(),
  baggage: () => new W3CBaggagePropagator(),
  b3: () => new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }),
  b3multi: () => new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
  jaeger: () => new JaegerPropagator(),
};

/**
 * The official propagators for `OTEL_PROPAGATORS` names, composed in the listed order (on extraction a later one
 * wins where both find a parent, as in the OpenTelemetry SDKs). Undefined for `none`.
 */
export function createPropagator(names: PropagatorName[]): TextMapPropagator | undefined {
  const propagators = names.filter((n): n is Exclude<PropagatorName, 'none'> => n !== 'none').map((n) => FACTORIES[n]());
  return propagators.length === 0 ? undefined : new CompositePropagator({ propagators });
}
