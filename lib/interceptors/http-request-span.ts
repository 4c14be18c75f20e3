import {
  context,
  INVALID_SPANID,
  INVALID_TRACEID,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { ServerResponse } from 'node:http';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import type { RequestReader } from '../config/tracing-options.interface.js';
import { getRuntime } from '../core/runtime.js';
import { safeExecute } from '../core/safe-execute.js';
import { markError, type SpanSpec } from '../core/span-engine.js';
import type { Attribution, SpanScope } from '../core/span-scope.js';
import { HttpAttributes } from '../semconv.js';
import { redactQuery, requestAttributes, requestMethod, type HttpExchange } from './http-exchange.js';

/**
 * One HTTP request from the moment the library first saw it: the trace its span joins, when it started and
 * whether its span exists yet. Recorded by the adapter's request hook on arrival, else by the interceptor.
 */
export interface HttpArrival {
  exchange: HttpExchange;
  /** Request path and query string (without `?`), read once. */
  target: { path: string; query: string | undefined };
  /** Context the span starts in: the active one when a local span is active, else the `traceparent` headers'. */
  parent: Context;
  /** A span of this process active on arrival (the HTTP auto-instrumentation's SERVER span). */
  upstream: Span | undefined;
  /** `performance.now()` on arrival, when the request hook saw it; the span is opened later but starts here. */
  startTime: number | undefined;
  /** Settles once the answer has been sent or the connection closed. */
  done: ResponseDone;
  /** `pending` until the span is opened (`traced`) or the handler turns out to be `@NoTrace` (`skipped`). */
  state: 'pending' | 'traced' | 'skipped';
}

/**
 * Settles once the answer has been sent or its connection closed: only then are the final status code (after
 * exception filters) and the end of a streamed body known. Every request has one, so it is a bare callback
 * list fed by one `close` listener rather than a Promise with listener pairs: Node emits `close` on a
 * response after `finish` too (since Node 14), and alone when the connection goes first.
 *
 * Thenable only as far as the span engine's `endAfter` needs: `then(fn)` calls `fn` once settled (at once when
 * already settled) and chains nothing.
 */
export class ResponseDone implements PromiseLike<void> {
  settled: boolean;
  private waiters: Array<() => void> | undefined;

  constructor(response: ServerResponse) {
    this.settled = response.writableFinished || response.destroyed;
    if (!this.settled) response.on('close', () => this.settle());
  }

  /** Runs `fn` once settled. */
  whenDone(fn: () => void): void {
    if (this.settled) fn();
    else (this.waiters ??= []).push(fn);
  }

  then<R1 = void, R2 = never>(onSettled?: ((value: void) => R1 | PromiseLike<R1>) | null): PromiseLike<R1 | R2> {
    if (onSettled) this.whenDone(() => void onSettled());
    return this as unknown as PromiseLike<R1 | R2>;
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    const waiters = this.waiters;
    this.waiters = undefined;
    if (waiters) for (const fn of waiters) safeExecute('HTTP response end', fn);
  }
}

const arrivals = new WeakMap<object, HttpArrival>();

/**
 * Records the arrival of `exchange` in the active context; `early` when seen before Nest routed it. The
 * parent is the active local span, else the `traceparent` headers, whose sampled flag is replaced by a local
 * decision unless `http.trustRemoteSampling`.
 */
export function arrive(
  exchange: HttpExchange,
  target: HttpArrival['target'],
  early: boolean,
  config: Pick<ResolvedTracingConfig, 'http' | 'sampleRate'>,
): HttpArrival {
  const active = context.active();
  const upstream = localActiveSpan(active);
  let parent = upstream ? active : propagation.extract(active, exchange.raw.headers);
  if (!upstream && !config.http.trustRemoteSampling) parent = sampleLocally(parent, config.sampleRate);
  const arrival: HttpArrival = {
    exchange,
    target,
    parent,
    upstream,
    startTime: early ? performance.now() : undefined,
    done: new ResponseDone(exchange.response),
    state: 'pending',
  };
  arrivals.set(exchange.raw, arrival);
  return arrival;
}

/** The recorded arrival of a request (the Node request, or a framework request wrapping it as `raw`), if any. */
export function arrivalOf(request: unknown): HttpArrival | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  return arrivals.get((request as { raw?: object }).raw ?? request);
}

/**
 * The span of a request: `{METHOD} {route}` (just `{METHOD}` without a route), SERVER under the caller, or
 * INTERNAL under an active upstream span, which is renamed after the route when it is a SERVER span. It ends
 * when the answer has been sent, with the final status code (after exception filters).
 */
export function requestSpanSpec(arrival: HttpArrival, route: string | undefined, options: ResolvedTracingConfig['http']): SpanSpec {
  const { exchange, upstream } = arrival;
  const method = requestMethod(exchange.raw);
  const { path, query } = arrival.target;
  const name = `${method === '_OTHER' ? 'HTTP' : method}${route === undefined ? '' : ` ${route}`}`;
  const attributes = requestAttributes(exchange, method, route, path);
  if (query !== undefined && options.captureQuery) {
    attributes[HttpAttributes.URL_QUERY] = redactQuery(query, getRuntime().isSecretKey);
  }
  const serverSpan = upstream && isServerSpan(upstream) ? upstream : undefined;
  if (serverSpan) {
    safeExecute('HTTP server span enrichment', () => {
      serverSpan.updateName(name);
      if (route !== undefined) serverSpan.setAttribute(HttpAttributes.ROUTE, route);
    });
  }
  let handlerError: { error: unknown } | undefined;
  return {
    name,
    role: 'http',
    kind: upstream ? SpanKind.INTERNAL : SpanKind.SERVER,
    parent: arrival.parent,
    startTime: arrival.startTime,
    attributes,
    attribution: attribution(exchange.request, options),
    onStart: (scope) => {
      if (options.traceResponseHeader) setTraceResponse(exchange, serverSpan ?? scope.span);
    },
    // The handler failed, but the answer is not known yet: a filter may still turn it into a 4xx.
    onError: (_scope, error) => {
      handlerError = { error };
    },
    endAfter: () => arrival.done,
    onEnd: (scope) => recordOutcome(scope, exchange, handlerError),
  };
}

/** Status code, span status and error details from the answer actually sent. */
function recordOutcome(scope: SpanScope, exchange: HttpExchange, handlerError: { error: unknown } | undefined): void {
  const span = scope.span;
  const response = exchange.response;
  // Without headers sent the client left (or the server gave up) before any answer: no status code to report.
  const status = response.headersSent ? response.statusCode : undefined;
  scope.statusCode = status;
  if (status !== undefined) span.setAttribute(HttpAttributes.RESPONSE_STATUS_CODE, status);
  // 4xx answers are the client's fault: not errors of a server-side span.
  const failed = status === undefined ? handlerError !== undefined : status >= 500;
  if (!failed) return;
  if (handlerError) {
    markError(scope, handlerError.error);
  } else {
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute(HttpAttributes.ERROR_TYPE, String(status));
    scope.errorType = String(status);
  }
}

/** W3C Trace Context Level 2 `traceresponse`: version, trace id, the server span's id and the sampled flag. */
function setTraceResponse(exchange: HttpExchange, span: Span): void {
  const response = exchange.response;
  if (response.headersSent) return;
  const { traceId, spanId, traceFlags } = span.spanContext();
  // The no-op tracer's span: nothing to name. (Ids from a tracer are well-formed; no need for the regexes.)
  if (traceId === INVALID_TRACEID || spanId === INVALID_SPANID) return;
  response.setHeader('traceresponse', `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`);
}

/** The active span when it was started in this process (a remote parent is a caller, not an upstream span). */
function localActiveSpan(active: Context): Span | undefined {
  const span = trace.getSpan(active);
  if (!span) return undefined;
  const spanContext = span.spanContext();
  return trace.isSpanContextValid(spanContext) && !spanContext.isRemote ? span : undefined;
}

/**
 * The remote parent of `ctx` with its sampled flag decided here, by `sampleRate`, instead of by the client:
 * trace id, parent span id and `tracestate` stay, so the trace still joins the caller's. The parent-based
 * sampler then follows this decision, and so do the services this request calls.
 */
function sampleLocally(ctx: Context, sampleRate: number): Context {
  const remote = trace.getSpanContext(ctx);
  if (!remote?.isRemote || !trace.isSpanContextValid(remote)) return ctx;
  const sampled = sampleRate >= 1 || (sampleRate > 0 && Math.random() < sampleRate);
  const traceFlags = sampled ? remote.traceFlags | TraceFlags.SAMPLED : remote.traceFlags & ~TraceFlags.SAMPLED;
  return traceFlags === remote.traceFlags ? ctx : trace.setSpanContext(ctx, { ...remote, traceFlags });
}

/** SDK spans expose their kind; a non-recording span does not and is treated as not being a server span. */
function isServerSpan(span: Span): boolean {
  return (span as unknown as { kind?: unknown }).kind === SpanKind.SERVER;
}

/** What the `http` readers say about the caller; undefined without readers, so no context is derived for nothing. */
function attribution(request: unknown, options: ResolvedTracingConfig['http']): Attribution | undefined {
  if (!options.userId && !options.tenantId && !options.sessionId) return undefined;
  return {
    userId: readRequest('http.userId', options.userId, request),
    tenantId: readRequest('http.tenantId', options.tenantId, request),
    sessionId: readRequest('http.sessionId', options.sessionId, request),
  };
}

function readRequest(label: string, reader: RequestReader<string> | undefined, request: unknown): string | undefined {
  if (!reader) return undefined;
  const value = safeExecute(label, () => reader(request));
  return value === undefined || value === null ? undefined : String(value);
}
