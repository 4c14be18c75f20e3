import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context } from '@opentelemetry/api';
import { finished, type Readable } from 'node:stream';
import { types } from 'node:util';
import { isObservable, Observable } from 'rxjs';
import { CostAttributes, GenAiAttributes, HttpAttributes, OpenInferenceAttributes } from '../semconv.js';
import { attributionAttributes, roleAttributes } from './role-attributes.js';
import { getRuntime } from './runtime.js';
import { safeExecute } from './safe-execute.js';
import { safeStringify } from './serialize.js';
import { getAttribution, getScope, mergeAttribution, setScope, SpanScope, type Attribution, type SpanRole } from './span-scope.js';

/**
 * How a traced call ended. `cancelled`: an Observable unsubscribed, a stream consumer stopped early, or the
 * call threw an `AbortError`.
 */
export type SpanOutcome = 'ok' | 'error' | 'cancelled';

/** What to record for one traced call. Decorators and interceptors describe; the engine does. */
export interface SpanSpec {
  name: string;
  role: SpanRole;
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context; the active context when omitted. */
  parent?: Context;
  /** Attribution merged into the context for this span and everything under it. */
  attribution?: Attribution;
  /** Arguments to record as `input.value` when content capture is on. */
  input?: () => unknown;
  /** Per-call override of `captureContent`. */
  captureContent?: boolean;
  /** The span started; runs before the traced function. */
  onStart?: (scope: SpanScope) => void;
  /** The call returned (sync value, resolved Promise); not called for streams and Observables. */
  onResult?: (scope: SpanScope, value: unknown) => void;
  /** One item of a stream or Observable. */
  onChunk?: (scope: SpanScope, chunk: unknown) => void;
  /** Replaces the default error recording (e.g. 4xx on a server span are not errors). */
  onError?: (scope: SpanScope, error: unknown) => void;
  /** Just before the span ends, whatever the outcome. */
  onEnd?: (scope: SpanScope, outcome: SpanOutcome) => void;
}

/** A started span with the context that carries it. */
export interface LiveSpan {
  scope: SpanScope;
  ctx: Context;
  parentCtx: Context;
  ended: boolean;
}

/**
 * Runs `fn` inside a new span described by `spec` and ends the span exactly once, whatever `fn` returns:
 * a value or a throw (the call stays synchronous), a native Promise (lazy thenables are never touched),
 * an RxJS Observable (ends on complete, error or unsubscribe), an async iterable (ends when iteration
 * completes, throws or stops early) or a Node readable stream (ends when it finishes).
 * The user's return value and errors pass through unchanged.
 */
export function runInSpan<R>(spec: SpanSpec, fn: () => R): R {
  const runtime = getRuntime();
  if (!runtime.enabled) return fn();
  const live = openSpan(spec);
  let result: R;
  try {
    result = context.with(live.ctx, fn);
  } catch (error) {
    fail(spec, live, error);
    throw error;
  }
  return settle(spec, live, result);
}

/** Starts a span for `spec` under its parent and builds the context that carries it. */
export function openSpan(spec: SpanSpec): LiveSpan {
  const runtime = getRuntime();
  const base = spec.parent ?? context.active();
  const parentCtx = spec.attribution ? mergeAttribution(base, spec.attribution) : base;
  const attribution = getAttribution(parentCtx);
  const attributes: Attributes = {
    ...roleAttributes(spec.role),
    ...attributionAttributes(attribution),
    ...spec.attributes,
  };
  if (!Object.keys(attributes).some((key) => key.startsWith('gen_ai.'))) {
    // Langfuse's default export filter keeps only spans with a gen_ai.* attribute; without this marker it
    // would drop HTTP, WebSocket and node spans and orphan their children.
    attributes[GenAiAttributes.SPAN_TYPE] = spec.role;
  }
  const span = runtime.tracer.startSpan(spec.name, { kind: spec.kind ?? SpanKind.INTERNAL, attributes }, parentCtx);
  const scope = new SpanScope(span, spec.role, getScope(parentCtx), attribution);
  if (spec.onStart) {
    const onStart = spec.onStart;
    safeExecute(`start hook of span "${spec.name}"`, () => onStart(scope));
  }
  if (spec.input && captures(spec)) {
    const input = spec.input;
    safeExecute('content capture (input)', () => {
      span.setAttribute(OpenInferenceAttributes.INPUT_VALUE, stringify(input()));
      span.setAttribute(OpenInferenceAttributes.INPUT_MIME_TYPE, 'application/json');
    });
  }
  return { scope, ctx: setScope(trace.setSpan(parentCtx, span), scope), parentCtx, ended: false };
}

function settle<R>(spec: SpanSpec, live: LiveSpan, result: R): R {
  if (types.isPromise(result)) {
    return (result as Promise<unknown>).then(
      (value) => settleResolved(spec, live, value),
      (error: unknown) => {
        fail(spec, live, error);
        throw error;
      },
    ) as R;
  }
  return settleResolved(spec, live, result);
}

function settleResolved<T>(spec: SpanSpec, live: LiveSpan, value: T): T {
  if (isObservable(value)) return traceObservable(spec, live, value) as T;
  if (isNodeReadable(value)) return traceReadable(spec, live, value);
  if (isAsyncIterable(value)) return traceAsyncIterable(spec, live, value);
  succeed(spec, live, value);
  return value;
}

/** Records the result, writes rollups and ends the span with outcome `ok`. */
function succeed(spec: SpanSpec, live: LiveSpan, value: unknown): void {
  if (live.ended) return;
  if (spec.onResult) {
    const onResult = spec.onResult;
    safeExecute(`result reader of span "${spec.name}"`, () => onResult(live.scope, value));
  }
  if (value !== undefined && captures(spec)) {
    safeExecute('content capture (output)', () => {
      live.scope.span.setAttribute(OpenInferenceAttributes.OUTPUT_VALUE, stringify(value));
      live.scope.span.setAttribute(OpenInferenceAttributes.OUTPUT_MIME_TYPE, 'application/json');
    });
  }
  end(spec, live, 'ok');
}

/** Records `error` on the span (or lets `spec.onError` decide) and ends it with outcome `error`. */
function fail(spec: SpanSpec, live: LiveSpan, error: unknown): void {
  if (live.ended) return;
  if (isAbortError(error)) {
    // An aborted call (AbortSignal) was cancelled on purpose: recorded as an event, not as a failure.
    safeExecute('cancellation recording', () => live.scope.span.addEvent('cancelled', { reason: (error as Error).message }));
    end(spec, live, 'cancelled');
    return;
  }
  if (spec.onError) {
    const onError = spec.onError;
    safeExecute(`error reader of span "${spec.name}"`, () => onError(live.scope, error));
  } else {
    markError(live.scope, error);
  }
  end(spec, live, 'error');
}

/** Exception event, ERROR status and `error.type`, for any thrown value. */
export function markError(scope: SpanScope, error: unknown): void {
  safeExecute('error recording', () => {
    const span = scope.span;
    if (error instanceof Error) {
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    } else {
      span.recordException({ name: typeof error, message: String(error) });
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    }
    span.setAttribute(HttpAttributes.ERROR_TYPE, errorType(error));
  });
}

/** A low-cardinality name for a thrown value: its class name, else its type. */
export function errorType(error: unknown): string {
  if (error instanceof Error) return error.constructor?.name && error.constructor.name !== 'Object' ? error.constructor.name : error.name;
  if (error === null) return 'null';
  return typeof error;
}

function end(spec: SpanSpec, live: LiveSpan, outcome: SpanOutcome): void {
  if (live.ended) return;
  live.ended = true;
  const { scope } = live;
  if (spec.onEnd) {
    const onEnd = spec.onEnd;
    safeExecute(`end hook of span "${spec.name}"`, () => onEnd(scope, outcome));
  }
  const t = scope.totals;
  if (t.llmCalls > 0 && scope.role !== 'provider') {
    scope.span.setAttributes({
      [CostAttributes.TOTAL_USD]: t.costUsd,
      [CostAttributes.INPUT_TOKENS]: t.inputTokens,
      [CostAttributes.OUTPUT_TOKENS]: t.outputTokens,
      [CostAttributes.LLM_CALLS]: t.llmCalls,
      [CostAttributes.UNPRICED_CALLS]: t.unpricedCalls,
    });
  }
  scope.span.end();
}

function chunk(spec: SpanSpec, live: LiveSpan, item: unknown): void {
  const scope = live.scope;
  scope.chunkCount += 1;
  if (scope.firstChunkAt === undefined) scope.firstChunkAt = performance.now();
  if (spec.onChunk) {
    const onChunk = spec.onChunk;
    safeExecute(`chunk reader of span "${spec.name}"`, () => onChunk(scope, item));
  }
}

/**
 * The first subscription runs under the span opened at call time; every later subscription (a retry, a
 * second subscriber of a cold Observable) gets a span of its own, so cold semantics hold and nothing runs
 * before someone subscribes.
 */
function traceObservable<T>(spec: SpanSpec, first: LiveSpan, source: Observable<T>): Observable<T> {
  let pending: LiveSpan | undefined = first;
  return new Observable<T>((subscriber) => {
    const live = pending ?? openSpan({ ...spec, parent: first.parentCtx });
    pending = undefined;
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
}

function traceReadable<T>(spec: SpanSpec, live: LiveSpan, stream: T & Readable): T {
  stream.on('data', (data: unknown) => chunk(spec, live, data));
  finished(stream, (error) => {
    if (!error) end(spec, live, 'ok');
    else if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') end(spec, live, 'cancelled');
    else fail(spec, live, error);
  });
  return stream;
}

/**
 * Wraps iteration only: the returned proxy keeps the object's own methods and properties (an SDK stream's
 * `controller`, `tee()`...), while `next()` runs in the span's context and the span ends when iteration
 * completes, throws, or the consumer stops early (`break` calls `return()`).
 */
function traceAsyncIterable<T extends object>(spec: SpanSpec, live: LiveSpan, target: T & AsyncIterable<unknown>): T {
  let inner: AsyncIterator<unknown> | undefined;
  const source = (): AsyncIterator<unknown> => (inner ??= target[Symbol.asyncIterator]());
  const onError = (error: unknown): never => {
    fail(spec, live, error);
    throw error;
  };
  const iterator: AsyncIterableIterator<unknown> = {
    next: (...args: [] | [unknown]) =>
      context.with(live.ctx, () => source().next(...args)).then((step) => {
        if (step.done) succeed(spec, live, undefined);
        else chunk(spec, live, step.value);
        return step;
      }, onError),
    return: (value?: unknown) => {
      const it = source();
      end(spec, live, 'cancelled');
      return it.return
        ? context.with(live.ctx, () => it.return!(value))
        : Promise.resolve({ done: true as const, value: value as never });
    },
    throw: (error?: unknown) => {
      const it = source();
      if (!it.throw) return onError(error);
      return context.with(live.ctx, () => it.throw!(error)).then((step) => {
        if (step.done) succeed(spec, live, undefined);
        return step;
      }, onError);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  const isIterator = typeof (target as { next?: unknown }).next === 'function';
  return new Proxy(target, {
    get(obj, prop) {
      if (prop === Symbol.asyncIterator) return () => iterator;
      if (isIterator && (prop === 'next' || prop === 'return' || prop === 'throw')) return iterator[prop];
      const value: unknown = Reflect.get(obj, prop, obj);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(obj) : value;
    },
  });
}

/** `AbortError` from an AbortSignal (DOMException or any error named so, as fetch and SDKs throw). */
function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || /Abort(Error)?$/.test(error.constructor.name));
}

function isAsyncIterable(value: unknown): value is object & AsyncIterable<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

function isNodeReadable(value: unknown): value is Readable {
  const candidate = value as { pipe?: unknown; on?: unknown; readable?: unknown } | null;
  return (
    candidate !== null &&
    typeof candidate === 'object' &&
    typeof candidate.pipe === 'function' &&
    typeof candidate.on === 'function' &&
    typeof candidate.readable === 'boolean'
  );
}

function captures(spec: SpanSpec): boolean {
  return spec.captureContent ?? getRuntime().captureContent;
}

function stringify(value: unknown): string {
  const runtime = getRuntime();
  return safeStringify(value, runtime.maxContentLength, runtime.isSecretKey);
}
