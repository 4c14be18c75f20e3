import { context, propagation, ROOT_CONTEXT, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { getRuntime } from '../core/runtime.js';
import { safeExecute } from '../core/safe-execute.js';
import { getAttribution, mergeAttribution, NO_ATTRIBUTION } from '../core/span-scope.js';
import { ATTRIBUTION_CARRIER_KEY, decodeAttribution, encodeAttribution } from './attribution-codec.js';

/**
 * What context travels in: a plain object of string values (HTTP-style headers, a Nest microservice packet's
 * `metadata`, AMQP `properties.headers`, a job's telemetry metadata), or a header collection with `get`/`set`
 * (NATS `MsgHdrs`, `Map`, fetch `Headers`).
 */
export type ContextCarrier = object;

interface HeaderCollection {
  get(key: string): unknown;
  set?(key: string, value: string): unknown;
  keys?(): Iterable<string>;
}

function isCollection(carrier: object): carrier is HeaderCollection {
  return typeof (carrier as { get?: unknown }).get === 'function';
}

/** A value as a string: strings as they are, the first of an array (repeated headers), bytes as UTF-8 (Kafka). */
function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (Array.isArray(value)) return asString(value[0]);
  if (value instanceof Uint8Array) return asString(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'));
  return undefined;
}

const getter: TextMapGetter<object> = {
  get: (carrier, key) => asString(isCollection(carrier) ? carrier.get(key) : (carrier as Record<string, unknown>)[key]),
  keys: (carrier) => {
    if (!isCollection(carrier)) return Object.keys(carrier);
    return typeof carrier.keys === 'function' ? [...carrier.keys()] : [];
  },
};

const setter: TextMapSetter<object> = {
  set: (carrier, key, value) => {
    if (isCollection(carrier) && typeof carrier.set === 'function') carrier.set(key, value);
    else (carrier as Record<string, unknown>)[key] = value;
  },
};

/**
 * Writes the trace context of `ctx` into `carrier` through the global propagator (W3C `traceparent`/`tracestate`
 * and baggage by default; B3 or Jaeger when the app registered those), plus the attribution under the library's
 * own key when `propagation.attribution` sends it. Writes nothing while tracing is disabled. Never throws.
 */
export function injectContext(carrier: ContextCarrier, ctx: Context = context.active()): void {
  const runtime = getRuntime();
  if (!runtime.enabled || typeof carrier !== 'object' || carrier === null) return;
  safeExecute('trace context injection', () => {
    propagation.inject(ctx, carrier, setter);
    if (runtime.propagation?.sendAttribution === false) return;
    const attribution = getAttribution(ctx);
    const encoded = attribution === NO_ATTRIBUTION ? undefined : encodeAttribution(attribution);
    if (encoded) setter.set(carrier, ATTRIBUTION_CARRIER_KEY, encoded);
  });
}

/**
 * The context a message or job carries, built on an empty context: the remote span as parent (a malformed,
 * forged or missing `traceparent` gives none, so the work starts a new trace) and, when `propagation.attribution`
 * accepts it, the attribution from the library's key (ignored whole when malformed). Never the context the
 * receiver happens to run in, and never throws: a carrier of the wrong type is treated as absent.
 */
export function extractContext(carrier: unknown): Context {
  if (typeof carrier !== 'object' || carrier === null) return ROOT_CONTEXT;
  const extracted = safeExecute('trace context extraction', () => propagation.extract(ROOT_CONTEXT, carrier, getter)) ?? ROOT_CONTEXT;
  if (getRuntime().propagation?.acceptAttribution === false) return extracted;
  const attribution = safeExecute('attribution extraction', () => decodeAttribution(getter.get(carrier, ATTRIBUTION_CARRIER_KEY)));
  return attribution ? mergeAttribution(extracted, attribution) : extracted;
}
