import { context } from '@opentelemetry/api';
import { finished, type Readable } from 'node:stream';
import { types } from 'node:util';
import { isObservable, Observable } from 'rxjs';
import { reportOnce, safeExecute } from './safe-execute.js';
import { chunk, claim, end, endWhenAbandoned, fail, succeed, tryOpenSpan, type LiveSpan, type SpanSpec } from './span-lifecycle.js';

/** Proxies this module returned for Promise subclasses: promises too, though `util.types.isPromise` says no. */
const tracedPromises = new WeakSet<object>();

/** Keeps the object a consumer got back alive while its iterator is in use (see `endWhenAbandoned`). */
const HOLDER = Symbol('ai_tracing:holder');

/**
 * Ends `live` when `result` is done: now for a plain value, when it settles for a native Promise, and when it
 * has been consumed for an Observable, an async iterable or a Node readable. Returns what the caller gets back.
 */
export function settle<R>(spec: SpanSpec, live: LiveSpan, result: R): R {
  if (types.isPromise(result) || tracedPromises.has(result as object)) return tracePromise(spec, live, result as Promise<unknown>) as R;
  return settleResolved(spec, live, result);
}

function settleResolved<T>(spec: SpanSpec, live: LiveSpan, value: T): T {
  if (value !== null && typeof value === 'object') {
    const shape = inspect(value);
    if (shape !== 'value') {
      const traced = safeExecute(`tracing of a returned ${shape}`, () => traceShape(shape, spec, live, value));
      if (traced !== undefined) return traced as T;
    }
  }
  succeed(spec, live, value);
  return value;
}

/** `shapeOf`, contained (a hostile object's getters may throw): a plain value then. */
function inspect(value: object): Shape {
  // try/catch rather than `safeExecute`: no closure for every object a traced call returns.
  try {
    return shapeOf(value);
  } catch (error) {
    reportOnce('result inspection', error);
    return 'value';
  }
}

function traceShape(shape: Exclude<Shape, 'value'>, spec: SpanSpec, live: LiveSpan, value: unknown): unknown {
  switch (shape) {
    case 'observable':
      return traceObservable(spec, live, value as Observable<unknown>);
    case 'readable':
      return traceReadable(spec, live, value as Readable);
    case 'iterable':
      return traceAsyncIterable(spec, live, value as object & AsyncIterable<unknown>);
  }
}

type Shape = 'value' | 'observable' | 'readable' | 'iterable';

function shapeOf(value: unknown): Shape {
  if (value === null || typeof value !== 'object') return 'value';
  if (isObservable(value)) return 'observable';
  // A thenable that is not a native Promise (a query builder) is a plain value: wrapping it or calling then()
  // could run it.
  if (typeof (value as { then?: unknown }).then === 'function') return 'value';
  if (isNodeReadable(value)) return 'readable';
  if (isAsyncIterable(value)) return 'iterable';
  return 'value';
}

/**
 * A native Promise is chained (the caller gets the chained Promise). A Promise subclass, e.g. an SDK's
 * `APIPromise` with `withResponse()`, comes back as a proxy that keeps its own members and traces through
 * `then`/`catch`/`finally`; the chain is built only when someone awaits it, as the subclass may be lazy.
 */
function tracePromise(spec: SpanSpec, live: LiveSpan, promise: Promise<unknown>): Promise<unknown> {
  if (Object.getPrototypeOf(promise) === Promise.prototype) return chainPromise(spec, live, promise);
  let traced: Promise<unknown> | undefined;
  const chain = (): Promise<unknown> => {
    if (traced) return traced;
    traced = chainPromise(spec, live, promise);
    return traced;
  };
  // `withResponse()`-style members answer with a native Promise of their own: the span ends when it settles.
  const observe = (value: unknown): unknown => {
    if (types.isPromise(value) && Object.getPrototypeOf(value) === Promise.prototype) {
      claim(live);
      value.then(
        (settled) => succeed(spec, live, settled),
        (error: unknown) => fail(spec, live, error),
      );
    }
    return value;
  };
  const methods = new Map<unknown, unknown>();
  const proxy = new Proxy(promise, {
    get(target, prop) {
      if (prop === 'then') return (ok?: (v: unknown) => unknown, ko?: (e: unknown) => unknown) => chain().then(ok, ko);
      if (prop === 'catch') return (ko?: (e: unknown) => unknown) => chain().catch(ko);
      if (prop === 'finally') return (fn?: () => void) => chain().finally(fn);
      return member(target, prop, methods, observe);
    },
    set: (target, prop, value) => Reflect.set(target, prop, value, target),
  });
  tracedPromises.add(proxy);
  endWhenAbandoned(proxy, spec, live);
  return proxy;
}

/** `promise` chained to end the span when it settles; what the caller gets back. */
function chainPromise(spec: SpanSpec, live: LiveSpan, promise: Promise<unknown>): Promise<unknown> {
  claim(live);
  return promise.then(
    (value) => settleResolved(spec, live, value),
    (error: unknown) => {
      fail(spec, live, error);
      throw error;
    },
  );
}

/**
 * The first subscription runs under the span opened at call time; every later subscription (a retry, a
 * second subscriber of a cold Observable) gets a span of its own, so cold semantics hold and nothing runs
 * before someone subscribes. Never subscribed and dropped: the span ends cancelled when collected.
 */
function traceObservable<T>(spec: SpanSpec, first: LiveSpan, source: Observable<T>): Observable<T> {
  let pending: LiveSpan | undefined = first;
  const traced = new Observable<T>((subscriber) => {
    const live = pending ?? tryOpenSpan({ ...spec, parent: first.parentCtx });
    if (pending) claim(pending);
    pending = undefined;
    if (!live) return source.subscribe(subscriber);
    const subscription = context.with(live.ctx, () =>
      source.subscribe({
        next: (value) => {
          chunk(spec, live, value);
          subscriber.next(value);
        },
        error: (error: unknown) => {
          fail(spec, live, error);
          subscriber.error(error);
        },
        complete: () => {
          end(spec, live, 'ok');
          subscriber.complete();
        },
      }),
    );
    return () => {
      subscription.unsubscribe();
      end(spec, live, 'cancelled');
    };
  });
  endWhenAbandoned(traced, spec, first);
  return traced;
}

/** The stream itself comes back; the span ends when it finishes, errors or is destroyed early. */
function traceReadable<T extends Readable>(spec: SpanSpec, live: LiveSpan, stream: T): T {
  finished(stream, (error) => {
    if (!error) end(spec, live, 'ok');
    else if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') end(spec, live, 'cancelled');
    else fail(spec, live, error);
  });
  // A 'data' listener would switch the stream to flowing mode and lose what it emits before the consumer
  // attaches, so chunks are observed on this stream's emit instead.
  safeExecute('stream chunk observation', () => {
    const emit = stream.emit;
    const observed = function (this: T, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'data') chunk(spec, live, args[0]);
      return emit.call(this, event, ...args);
    };
    Object.defineProperty(stream, 'emit', { value: observed, configurable: true, writable: true });
  });
  endWhenAbandoned(stream, spec, live);
  return stream;
}

/**
 * Wraps iteration only: the returned proxy keeps the object's own methods and properties (an SDK stream's
 * `controller`, `tee()`...), while `next()` runs in the span's context and the span ends when iteration
 * completes, throws, or the consumer stops early (`break` calls `return()`). The first iteration belongs to
 * the call's span; iterating the object again gets a span of its own, as with Observables.
 */
function traceAsyncIterable<T extends object>(spec: SpanSpec, live: LiveSpan, target: T & AsyncIterable<unknown>): T {
  let first: { inner: AsyncIterator<unknown>; wrapper: AsyncIterableIterator<unknown> } | undefined;
  const wrapFirst = (inner: AsyncIterator<unknown>) => (first = { inner, wrapper: wrapIterator(spec, live, inner, proxy) }).wrapper;
  const iterate = (): AsyncIterator<unknown> => {
    const isFirst = first === undefined;
    let inner: AsyncIterator<unknown>;
    try {
      inner = context.with(isFirst ? live.ctx : live.parentCtx, () => target[Symbol.asyncIterator]());
    } catch (error) {
      const failed = isFirst ? live : tryOpenSpan({ ...spec, parent: live.parentCtx });
      if (failed) fail(spec, failed, error);
      throw error;
    }
    if (!first) return wrapFirst(inner);
    if (inner === first.inner) return first.wrapper;
    const again = tryOpenSpan({ ...spec, parent: live.parentCtx });
    if (!again) return inner;
    const wrapper = wrapIterator(spec, again, inner, undefined);
    endWhenAbandoned(wrapper, spec, again);
    return wrapper;
  };
  const isIterator = typeof (target as { next?: unknown }).next === 'function';
  const methods = new Map<unknown, unknown>();
  const proxy: T = new Proxy(target, {
    get(obj, prop) {
      if (prop === Symbol.asyncIterator) return iterate;
      if (isIterator && (prop === 'next' || prop === 'return' || prop === 'throw') && typeof Reflect.get(obj, prop, obj) === 'function') {
        return (first?.wrapper ?? wrapFirst(obj as unknown as AsyncIterator<unknown>))[prop];
      }
      return member(obj, prop, methods);
    },
    set: (obj, prop, value) => Reflect.set(obj, prop, value, obj),
  });
  endWhenAbandoned(proxy, spec, live);
  return proxy;
}

/** `inner` with each call run in the span's context and the span ended by completion, error or `return()`. */
function wrapIterator(spec: SpanSpec, live: LiveSpan, inner: AsyncIterator<unknown>, holder: object | undefined): AsyncIterableIterator<unknown> {
  const run = (call: () => Promise<IteratorResult<unknown>>, onStep: (step: IteratorResult<unknown>) => void) => {
    let pending: Promise<IteratorResult<unknown>>;
    try {
      pending = context.with(live.ctx, call);
    } catch (error) {
      fail(spec, live, error);
      throw error;
    }
    return Promise.resolve(pending).then(
      (step) => {
        if (typeof step === 'object' && step !== null) onStep(step);
        return step;
      },
      (error: unknown) => {
        fail(spec, live, error);
        throw error;
      },
    );
  };
  const cancel = () => end(spec, live, 'cancelled');
  const iterator: AsyncIterableIterator<unknown> = {
    next: (...args: [] | [unknown]) =>
      run(
        () => inner.next(...args),
        (step) => (step.done ? succeed(spec, live, undefined) : chunk(spec, live, step.value)),
      ),
    return: (value?: unknown) => {
      if (typeof inner.return !== 'function') {
        cancel();
        return Promise.resolve({ done: true as const, value: value as never });
      }
      const returned = run(() => inner.return!(value), cancel);
      returned.then(cancel, cancel);
      return returned;
    },
    throw: (error?: unknown) => {
      if (typeof inner.throw !== 'function') {
        fail(spec, live, error);
        return Promise.reject(error);
      }
      return run(
        () => inner.throw!(error),
        (step) => (step.done ? succeed(spec, live, undefined) : chunk(spec, live, step.value)),
      );
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  if (holder) Object.defineProperty(iterator, HOLDER, { value: holder });
  return iterator;
}

/**
 * A member of the real object: methods run on it (private fields, internal slots), the same function on every
 * read; `observe` sees what they return.
 */
function member(target: object, prop: string | symbol, methods: Map<unknown, unknown>, observe?: (value: unknown) => unknown): unknown {
  const value: unknown = Reflect.get(target, prop, target);
  if (typeof value !== 'function' || prop === 'constructor') return value;
  let bound = methods.get(value);
  if (!bound) {
    const method = value as (...a: unknown[]) => unknown;
    bound = observe ? (...args: unknown[]) => observe(method.apply(target, args)) : method.bind(target);
    methods.set(value, bound);
  }
  return bound;
}

function isAsyncIterable(value: object): value is AsyncIterable<unknown> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function isNodeReadable(value: object): value is Readable {
  const candidate = value as { pipe?: unknown; on?: unknown; readable?: unknown };
  return typeof candidate.pipe === 'function' && typeof candidate.on === 'function' && typeof candidate.readable === 'boolean';
}
