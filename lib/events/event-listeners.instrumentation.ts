import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { tracedFunction, type AnyFunction } from '../decorators/trace-method.js';
import { matchesAny } from '../interceptors/pattern-match.js';
import { EventAttributes } from '../semconv.js';
import { TRACING_CONFIG } from '../tracing.constants.js';

/** `@nestjs/event-emitter`'s `@OnEvent` metadata key, read without importing the package (an optional peer). */
const EVENT_LISTENER_METADATA = 'EVENT_LISTENER_METADATA';
const TRACED_LISTENER = Symbol.for('ai_tracing:event_listener');

/**
 * Runs every `@OnEvent` listener (`@nestjs/event-emitter`) of the app's singleton providers and controllers in
 * an INTERNAL span `event {event}` with `nestjs.event.name` and `nestjs.event.listener`. Listeners run in the
 * context of the code that emitted, sync or `{ async: true }` alike, so the span nests under the emitter and
 * carries its attribution; a listener that throws is ERROR (Nest still logs or rethrows as configured).
 *
 * The listener methods are wrapped on the instances before `EventEmitterModule` subscribes them (it reads the
 * `@OnEvent` metadata from the instance, and the wrapper keeps it). Request-scoped listeners, created per event,
 * are not traced. Turned off with `events.enabled: false`; `events.ignoreEvents` skips noisy events.
 */
@Injectable()
export class EventListenersInstrumentation implements OnModuleInit {
  constructor(
    @Inject(TRACING_CONFIG) private readonly config: ResolvedTracingConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    if (!this.config.enabled || !this.config.events.enabled) return;
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || wrapper.isAlias || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const name of this.scanner.getAllMethodNames(prototype)) this.traceListener(instance as Record<string, unknown>, name);
    }
  }

  private traceListener(instance: Record<string, unknown>, methodName: string): void {
    const method = instance[methodName];
    if (typeof method !== 'function' || (method as { [TRACED_LISTENER]?: true })[TRACED_LISTENER]) return;
    const listeners: unknown = Reflect.getMetadata(EVENT_LISTENER_METADATA, method);
    if (!Array.isArray(listeners) || listeners.length === 0) return;
    const event = listeners.map((l: { event?: unknown }) => eventName(l?.event)).join(', ');
    if (matchesAny(event, this.config.events.ignoreEvents)) return;
    const listener = `${instance.constructor?.name ?? 'Object'}.${methodName}`;
    const spec = { name: `event ${event}`, role: 'event' as const, attributes: { [EventAttributes.NAME]: event, [EventAttributes.LISTENER]: listener } };
    const traced = tracedFunction(method as AnyFunction, () => spec, listener);
    Object.defineProperty(traced, TRACED_LISTENER, { value: true });
    instance[methodName] = traced;
  }
}

/** An `@OnEvent` event as text: `order.created`, a namespaced array joined with dots, a symbol's description. */
function eventName(event: unknown): string {
  if (typeof event === 'string') return event;
  if (Array.isArray(event)) return event.map(eventName).join('.');
  if (typeof event === 'symbol') return event.description ?? 'symbol';
  return String(event);
}
