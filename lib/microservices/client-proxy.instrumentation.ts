import { SpanKind } from '@opentelemetry/api';
import { lastValueFrom, type Observable } from 'rxjs';
import { types } from 'node:util';
import { getRuntime } from '../core/runtime.js';
import { safeExecute } from '../core/safe-execute.js';
import { runInSpan, type SpanSpec } from '../core/span-engine.js';
import { MessagingAttributes } from '../semconv.js';
import { attachContext, type PacketLike, type TransportClasses } from './packet-carrier.js';

type ClientMethod = (this: ClientLike, pattern: unknown, data: unknown) => Observable<unknown>;
type DispatchHook = ((packet: PacketLike) => void) & { [OUR_HOOK]?: true };

interface ClientLike {
  onDispatchHook?: DispatchHook;
  setOnDispatchHook?(hook: (packet: PacketLike) => void): void;
  normalizePattern?(pattern: unknown): unknown;
}

/** What the instrumentation needs from `@nestjs/microservices`. */
export interface MicroservicesPackage extends TransportClasses {
  ClientProxy: { prototype: object };
}

const PATCHED = Symbol.for('ai_tracing:client_proxy');
const OUR_HOOK = Symbol.for('ai_tracing:dispatch_hook');

/** Records only while a `TracingModule` with tracing and `microservices.enabled` is live. */
function recording(): boolean {
  const runtime = getRuntime();
  return runtime.enabled && runtime.microservices?.enabled === true;
}

/**
 * Traces `ClientProxy.send` (CLIENT span `rpc {pattern}`, ended when the reply stream completes, errors or is
 * unsubscribed) and `ClientProxy.emit` (PRODUCER span `send {pattern}`, ended once the event is handed to the
 * transport, whether or not the caller subscribes), and makes every packet carry the span's context.
 *
 * A patch of the base class, installed once by `TracingModule` (rather than a wrapper each user applies to each
 * client): every client is covered however it was made (`ClientsModule`, `ClientProxyFactory`, `new ClientTCP`,
 * `@Client()`), including clients of other transports that inherit `send`/`emit`. The context is attached through
 * Nest's own `setOnDispatchHook` (an app's hook still runs, first), so nothing of the transport is replaced.
 */
export function instrumentClientProxy(microservices: MicroservicesPackage, natsHeaders: (() => object) | undefined): void {
  const prototype = microservices.ClientProxy.prototype as Record<PropertyKey, unknown>;
  if (prototype[PATCHED]) return;
  const send = prototype.send as ClientMethod;
  const emit = prototype.emit as ClientMethod;
  if (typeof send !== 'function' || typeof emit !== 'function') return;
  const classes: TransportClasses = microservices;

  prototype.send = function (this: ClientLike, pattern: unknown, data: unknown): Observable<unknown> {
    const spec = recording() ? clientSpec(this, pattern, 'send', classes) : undefined;
    if (!spec) return send.call(this, pattern, data);
    ensureDispatchHook(this, classes, natsHeaders);
    return runInSpan(spec, () => send.call(this, pattern, data));
  };
  prototype.emit = function (this: ClientLike, pattern: unknown, data: unknown): Observable<unknown> {
    const spec = recording() ? clientSpec(this, pattern, 'emit', classes) : undefined;
    if (!spec) return emit.call(this, pattern, data);
    ensureDispatchHook(this, classes, natsHeaders);
    let source: Observable<unknown> | undefined;
    // `emit` dispatches at once (a hot Observable): the span follows the dispatch, not the caller's subscription.
    const dispatched = runInSpan(spec, () => {
      source = emit.call(this, pattern, data);
      return lastValueFrom(source, { defaultValue: undefined });
    });
    // The caller sees a failed dispatch through the Observable it got back, as without tracing.
    if (types.isPromise(dispatched)) dispatched.catch(() => undefined);
    return source!;
  };
  Object.defineProperty(prototype, PATCHED, { value: true });
}

function clientSpec(client: ClientLike, pattern: unknown, operation: 'send' | 'emit', classes: TransportClasses): SpanSpec | undefined {
  return safeExecute('microservice client span description', () => {
    const route = routeOf(client, pattern);
    const transport = transportOf(client, classes);
    const spec: SpanSpec = {
      name: operation === 'send' ? `rpc ${route}` : `send ${route}`,
      role: 'rpc',
      kind: operation === 'send' ? SpanKind.CLIENT : SpanKind.PRODUCER,
      attributes: {
        [MessagingAttributes.DESTINATION_NAME]: route,
        [MessagingAttributes.OPERATION_TYPE]: 'send',
        [MessagingAttributes.OPERATION_NAME]: operation,
      },
    };
    if (transport) spec.attributes![MessagingAttributes.SYSTEM] = transport;
    return spec;
  });
}

/** The pattern as the transport will route it (Nest's normalisation: objects become sorted JSON). */
function routeOf(client: ClientLike, pattern: unknown): string {
  const route = typeof client.normalizePattern === 'function' ? client.normalizePattern(pattern) : pattern;
  if (typeof route === 'string') return route;
  return JSON.stringify(route) ?? String(route);
}

function transportOf(client: ClientLike, classes: TransportClasses): string | undefined {
  if (client instanceof classes.ClientTCP) return 'tcp';
  if (client instanceof classes.ClientRedis) return 'redis';
  if (client instanceof classes.ClientNats) return 'nats';
  if (client instanceof classes.ClientRMQ) return 'rabbitmq';
  if (client instanceof classes.ClientKafka) return 'kafka';
  if (client instanceof classes.ClientMqtt) return 'mqtt';
  return undefined;
}

/** Puts the library's dispatch hook on `client`, after whatever hook the app set (re-checked on every call). */
function ensureDispatchHook(client: ClientLike, classes: TransportClasses, natsHeaders: (() => object) | undefined): void {
  const current = client.onDispatchHook;
  if (current?.[OUR_HOOK] || typeof client.setOnDispatchHook !== 'function') return;
  const hook: DispatchHook = (packet) => {
    current?.call(client, packet);
    if (recording()) safeExecute('microservice context injection', () => attachContext(client, packet, classes, natsHeaders));
  };
  hook[OUR_HOOK] = true;
  client.setOnDispatchHook(hook);
}
