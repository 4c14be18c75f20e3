import {
  context,
  createContextKey,
  metrics,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  trace,
  type TracerProvider,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { PropagatorName } from '../config/tracing-options.interface.js';
import { createPropagator } from './propagators.js';

/**
 * The process-wide OpenTelemetry API globals (tracer provider, context manager, propagator): what is already
 * registered, and registering only what is missing, so the module never overrides (or logs diag errors
 * against) a preloaded SDK and never breaks another app of the same process (tests).
 */

const NOOP_DELEGATE = new ProxyTracerProvider().getDelegate();

/** Providers this library created: another app in the same process (tests) must not mistake one for the user's. */
const ownProviders = new WeakSet<TracerProvider>();

function globalDelegate(): TracerProvider {
  const global = trace.getTracerProvider();
  return global instanceof ProxyTracerProvider ? global.getDelegate() : global;
}

function isNoop(provider: TracerProvider): boolean {
  return provider === NOOP_DELEGATE || provider.constructor.name === 'NoopTracerProvider';
}

/** True when some code other than this library (e.g. a preloaded `NodeSDK`) registered a real global tracer provider. */
export function hasGlobalTracerProvider(): boolean {
  const delegate = globalDelegate();
  return !isNoop(delegate) && !ownProviders.has(delegate);
}

/**
 * Registers `provider` (created by this library) as the global one unless another app of this process already
 * did (registering over it would fail with a diag error; this app's spans go through its own tracer anyway).
 * Returns how to undo it, or undefined when nothing was registered.
 */
export function registerOwnProvider(provider: TracerProvider): (() => void) | undefined {
  ownProviders.add(provider);
  if (!isNoop(globalDelegate()) || !trace.setGlobalTracerProvider(provider)) return undefined;
  return () => {
    if (globalDelegate() === provider) trace.disable();
  };
}

/** True when the app registered a MeterProvider (the API's default is a no-op one). */
export function hasGlobalMeterProvider(): boolean {
  return metrics.getMeterProvider().constructor?.name !== 'NoopMeterProvider';
}

/** True when a real propagator is registered: the no-op one has no fields; W3C, B3, Jaeger... have at least one. */
export function hasGlobalPropagator(): boolean {
  return propagation.fields().length > 0;
}

const PROBE = createContextKey('ai_tracing:context_manager_probe');

/** True when a real context manager is registered: the no-op one never makes a context active. */
function hasGlobalContextManager(): boolean {
  return context.with(ROOT_CONTEXT.setValue(PROBE, true), () => context.active().getValue(PROBE) === true);
}

/**
 * The context manager and propagator this library registered, shared by every app of the process that needs
 * them and released when the last one shuts down (closing one of two test apps must not break the other).
 */
let sharedGlobals: { users: number; release: () => void } | undefined;

/**
 * Makes sure an AsyncLocalStorage context manager and a propagator (`propagators`, W3C trace-context + baggage by
 * default) are registered; returns the release function of this user, or undefined when the app registered its own.
 */
export function acquireContextAndPropagation(propagators: PropagatorName[] | undefined): (() => void) | undefined {
  if (!sharedGlobals) {
    const releases = registerMissingContextAndPropagation(propagators);
    if (releases.length === 0) return undefined;
    sharedGlobals = { users: 0, release: () => releases.reverse().forEach((release) => release()) };
  }
  const shared = sharedGlobals;
  shared.users++;
  return () => {
    shared.users--;
    if (shared.users === 0 && sharedGlobals === shared) {
      sharedGlobals = undefined;
      shared.release();
    }
  };
}

/**
 * Registers what is missing only: registering over a preloaded SDK's context manager or propagator fails
 * anyway, and the API reports each attempt as a diag error in the user's logs. Returns how to undo it.
 */
function registerMissingContextAndPropagation(propagators: PropagatorName[] | undefined): Array<() => void> {
  const releases: Array<() => void> = [];
  if (!hasGlobalContextManager()) {
    const manager = new AsyncLocalStorageContextManager();
    if (context.setGlobalContextManager(manager.enable())) {
      releases.push(() => context.disable());
    } else {
      manager.disable();
    }
  }
  const propagator = hasGlobalPropagator() ? undefined : createPropagator(propagators ?? ['tracecontext', 'baggage']);
  if (propagator && propagation.setGlobalPropagator(propagator)) releases.push(() => propagation.disable());
  return releases;
}
