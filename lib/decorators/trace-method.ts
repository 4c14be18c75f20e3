import { context, type Context } from '@opentelemetry/api';
import { getRuntime } from '../core/runtime.js';
import { reportOnce } from '../core/safe-execute.js';
import { runInSpan, type SpanSpec } from '../core/span-engine.js';
import { TRACED_METHOD } from '../tracing.constants.js';

/** Where a decorated method lives, for default names. */
export interface MethodSite {
  className: string;
  methodName: string;
}

/**
 * Builds the span spec of one call from the method's arguments, its `this` and the context active at the call.
 * The context is read once per call: a factory that needs the enclosing workflow or agent reads it from there, and
 * the engine starts the span under it without reading it again.
 */
export type SpecFactory = (args: unknown[], self: unknown, active: Context) => SpanSpec;

/** Any method, as the wrapper sees it. */
export type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/**
 * The single method wrapper behind every trace decorator. It keeps what Nest and other decorators rely on:
 * reflect-metadata on the function (guards, interceptors, `@SubscribeMessage`, `@OnEvent`, Swagger), the
 * function's `name` and `length`, and its own properties; and it never wraps a method twice.
 */
export function traceMethod(build: (site: MethodSite) => SpecFactory): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const original = descriptor?.value as unknown;
    if (typeof original !== 'function') {
      throw new TypeError(`nestjs-ai-tracing: trace decorators apply to methods; ${String(propertyKey)} is not a method`);
    }
    if ((original as { [TRACED_METHOD]?: boolean })[TRACED_METHOD]) return descriptor;
    const site: MethodSite = {
      className: typeof target === 'function' ? target.name : (target.constructor?.name ?? 'Object'),
      methodName: String(propertyKey),
    };
    descriptor.value = tracedFunction(original as AnyFunction, build(site), `${site.className}.${site.methodName}`) as typeof descriptor.value;
    return descriptor;
  };
}

/**
 * `method` wrapped to run each call in the span `specFor` describes, with the method's identity kept (see
 * `traceMethod`). Untraced while tracing is disabled, and when describing the span fails.
 */
export function tracedFunction<F extends AnyFunction>(method: F, specFor: SpecFactory, label: string): F {
  const describe = `span description of ${label}`;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    if (!getRuntime().enabled) return method.apply(this, args);
    // Describing the span is tracing work: if it fails, the method still runs, untraced. (try/catch rather
    // than `safeExecute`: no closure on every call.)
    const active = context.active();
    let spec: SpanSpec;
    try {
      spec = specFor(args, this, active);
    } catch (error) {
      reportOnce(describe, error);
      return method.apply(this, args);
    }
    if (!spec) return method.apply(this, args);
    return runInSpan(spec, () => method.apply(this, args), active);
  };
  copyIdentity(method, wrapped);
  return wrapped as F;
}

function copyIdentity(from: AnyFunction, to: AnyFunction): void {
  Object.defineProperty(to, 'name', { value: from.name, configurable: true });
  Object.defineProperty(to, 'length', { value: from.length, configurable: true });
  for (const key of Reflect.ownKeys(from)) {
    if (key === 'name' || key === 'length' || key === 'prototype') continue;
    const property = Object.getOwnPropertyDescriptor(from, key);
    if (property) Object.defineProperty(to, key, property);
  }
  const reflect = Reflect as typeof Reflect & {
    getOwnMetadataKeys?: (target: object) => unknown[];
    getOwnMetadata?: (key: unknown, target: object) => unknown;
    defineMetadata?: (key: unknown, value: unknown, target: object) => void;
  };
  if (reflect.getOwnMetadataKeys && reflect.getOwnMetadata && reflect.defineMetadata) {
    for (const key of reflect.getOwnMetadataKeys(from)) {
      reflect.defineMetadata(key, reflect.getOwnMetadata(key, from), to);
    }
  }
  Object.defineProperty(to, TRACED_METHOD, { value: true });
}
