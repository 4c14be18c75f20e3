import {
  context,
  INVALID_SPANID,
  INVALID_TRACEID,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { ServerResponse } from 'node:http';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import type { RequestReader } from '../config/tracing-options.interface.js';
import { getRuntime } from '../core/runtime.js';
import { reportOnce, safeExecute } from '../core/safe-execute.js';
import { discardSpan, markError, type SpanSpec } from '../core/span-engine.js';
import { getAttribution, setAttribution, type Attribution, type SpanScope } from '../core/span-scope.js';
import { addAttributionAttributes } from '../core/attribution-attributes.js';
import { HttpAttributes } from '../semconv.js';
import { redactQuery, requestAttributes, requestMethod, routeTemplate, type HttpExchange } from './http-exchange.js';

/**
 * One HTTP request from the moment the library first saw it: the trace its span joins, its span once opened,
 * and what is learnt of it on the way (the route, a handler error, a `@NoTrace()` handler). Recorded by the
 * adapter's request hook on arrival, else by a hand-applied interceptor.
 */
export interface HttpArrival {
  exchange: HttpExchange;
  /** Request path and query string (without `?`), read once. */
  target: { path: string; query: string | undefined };
  /** The context active on arrival: what the app's code runs in when the request is not traced (`@NoTrace()`). */
  outer: Context;
  /** Context the span starts in: the active one when a local span is active, else the `traceparent` headers'. */
  parent: Context;
  /** A span of this process active on arrival (the HTTP auto-instrumentation's SERVER span). */
  upstream: Span | undefined;
  /** Settles once the answer has been sent or the connection closed. */
  done: ResponseDone;
  /** The handler is `@NoTrace()`: its span, opened on arrival, is discarded at its end. */
  skipped: boolean;
  /** The request span's scope, once open (its `route` is the route the span is named after, once known). */
  scope: SpanScope | undefined;
  /** What the handler (or a guard, pipe or interceptor) threw, as Nest's exception layer received it. */
  handlerError: { error: unknown } | undefined;
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

  then<R1 = void, R2 = never>(onSettled?: ((value: void) => R1 | PromiseLike<R1>) | null): PromiseLike<R1 | R2> {
    if (onSettled) {
      if (this.settled) void onSettled();
      else (this.waiters ??= []).push(() => void onSettled());
    }
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

/**
 * Where a request's arrival is kept: a symbol property of the Node request (and, for its span's scope,
 * `SpanScope.request`). Properties rather than WeakMaps: every request adds one, and weak maps' entries cost more to
 * add and to collect.
 */
const ARRIVAL = Symbol('ai_tracing:http_arrival');

type WithArrival = { [ARRIVAL]?: HttpArrival };

/**
 * Records the arrival of `exchange` in the active context. The parent is the active local span, else the
 * `traceparent` headers, whose sampled flag is replaced by a local decision unless `http.trustRemoteSampling`.
 */
export function arrive(exchange: HttpExchange, target: HttpArrival['target'], config: Pick<ResolvedTracingConfig, 'http' | 'sampleRate'>): HttpArrival {
  const active = context.active();
  const upstream = localActiveSpan(active);
  let parent = upstream ? active : propagation.extract(active, exchange.raw.headers);
  if (!upstream && !config.http.trustRemoteSampling) parent = sampleLocally(parent, config.sampleRate);
  const arrival: HttpArrival = {
    exchange,
    target,
    outer: active,
    parent,
    upstream,
    done: new ResponseDone(exchange.response),
    skipped: false,
    scope: undefined,
    handlerError: undefined,
  };
  (exchange.raw as WithArrival)[ARRIVAL] = arrival;
  return arrival;
}

/** The recorded arrival of a request (the Node request, or a framework request wrapping it as `raw`), if any. */
export function arrivalOf(request: unknown): HttpArrival | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  // The Node request itself (Express), else the one a framework request wraps (Fastify's `raw`).
  return (request as WithArrival)[ARRIVAL] ?? ((request as { raw?: unknown }).raw as WithArrival | undefined)?.[ARRIVAL];
}

/** The arrival whose request span is `scope` (or encloses it), if any. */
export function arrivalOfScope(scope: SpanScope | undefined): HttpArrival | undefined {
  const http = scope?.closest('http');
  return http?.request as HttpArrival | undefined;
}

/**
 * The span of a request: `{METHOD} {route}` (just `{METHOD}` until a route is known: see `nameAfterRoute`),
 * SERVER under the caller, or INTERNAL under an active upstream span, which is renamed after the route when it
 * is a SERVER span. It ends when the answer has been sent, with the final status code (after exception filters).
 */
export function requestSpanSpec(arrival: HttpArrival, route: string | undefined, options: ResolvedTracingConfig['http']): SpanSpec {
  const { exchange, upstream } = arrival;
  const method = requestMethod(exchange.raw);
  const { path, query } = arrival.target;
  const attributes = requestAttributes(exchange, method, route, path);
  if (query !== undefined && options.captureQuery) {
    attributes[HttpAttributes.URL_QUERY] = redactQuery(query, getRuntime().isSecretKey);
  }
  return {
    name: spanName(method, route),
    role: 'http',
    kind: upstream ? SpanKind.INTERNAL : SpanKind.SERVER,
    parent: withRequestAttribution(arrival.parent, arrival, options),
    attributes,
    onStart: (scope) => {
      arrival.scope = scope;
      scope.request = arrival;
      scope.route = route;
      if (route !== undefined) enrichUpstream(arrival, spanName(method, route), route);
      if (options.traceResponseHeader) setTraceResponse(exchange, serverSpanOf(arrival) ?? scope.span);
    },
    // The handler failed, but the answer is not known yet: a filter may still turn it into a 4xx.
    onError: (_scope, error) => {
      arrival.handlerError ??= { error };
    },
    endAfter: () => arrival.done,
    onEnd: (scope) => {
      if (arrival.skipped) {
        discardSpan(scope);
        return;
      }
      const status = exchange.response.headersSent ? exchange.response.statusCode : undefined;
      // The caller is known now, also when a guard authenticated it after the span opened.
      if (scope.attribution instanceof RequestAttribution) scope.span.setAttributes(attributionAttributes(scope.attribution));
      // Named at the end when no handler ran (a 404 never names a route: Nest answers it from a catch-all route).
      if (scope.route === undefined && status !== 404) nameAfterRoute(arrival, routeTemplate(exchange.request));
      recordOutcome(scope, status, arrival.handlerError);
    },
  };
}

function attributionAttributes(attribution: Attribution): Attributes {
  const out: Attributes = {};
  addAttributionAttributes(out, attribution);
  return out;
}

/** Names the request span (and an upstream SERVER span) after `route`, with `http.route`; no-op without a route. */
export function nameAfterRoute(arrival: HttpArrival, route: string | undefined): void {
  const scope = arrival.scope;
  if (route === undefined || !scope || route === scope.route) return;
  scope.route = route;
  const name = spanName(requestMethod(arrival.exchange.raw), route);
  scope.span.updateName(name);
  scope.span.setAttribute(HttpAttributes.ROUTE, route);
  enrichUpstream(arrival, name, route);
}

function spanName(method: string, route: string | undefined): string {
  const verb = method === '_OTHER' ? 'HTTP' : method;
  return route === undefined ? verb : `${verb} ${route}`;
}

/** The upstream span when it is a SERVER span (the HTTP auto-instrumentation's). */
function serverSpanOf(arrival: HttpArrival): Span | undefined {
  const upstream = arrival.upstream;
  return upstream && isServerSpan(upstream) ? upstream : undefined;
}

/** Names an upstream SERVER span after the route, which that instrumentation cannot know. */
function enrichUpstream(arrival: HttpArrival, name: string, route: string): void {
  const serverSpan = serverSpanOf(arrival);
  if (!serverSpan) return;
  safeExecute('HTTP server span enrichment', () => {
    serverSpan.updateName(name);
    serverSpan.setAttribute(HttpAttributes.ROUTE, route);
  });
}

/** Status code, span status and error details from the answer actually sent. */
function recordOutcome(scope: SpanScope, status: number | undefined, handlerError: { error: unknown } | undefined): void {
  const span = scope.span;
  // Without headers sent (status undefined) the client left, or the server gave up, before any answer.
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

/**
 * The caller as the `http` readers describe it, read from the request when first asked for and kept once known:
 * the span opens on arrival, before a guard has authenticated the request (`request.user`), while the spans
 * below it (and their cost) are made once it has. Undefined without readers, so nothing is done for nothing.
 */
class RequestAttribution implements Attribution {
  private user: string | undefined;
  private tenant: string | undefined;
  private session: string | undefined;

  constructor(
    private readonly arrival: HttpArrival,
    private readonly options: ResolvedTracingConfig['http'],
    private readonly base: Attribution,
  ) {}

  get userId(): string | undefined {
    return (this.user ??= this.read('http.userId', this.options.userId)) ?? this.base.userId;
  }

  get tenantId(): string | undefined {
    return (this.tenant ??= this.read('http.tenantId', this.options.tenantId)) ?? this.base.tenantId;
  }

  get sessionId(): string | undefined {
    return (this.session ??= this.read('http.sessionId', this.options.sessionId)) ?? this.base.sessionId;
  }

  /** What `reader` says once Nest has routed the request or it was answered (before, no guard has run: not asked). */
  private read(label: string, reader: RequestReader<string> | undefined): string | undefined {
    if (!reader || (this.arrival.scope?.route === undefined && !this.arrival.done.settled)) return undefined;
    try {
      const value = reader(this.arrival.exchange.request);
      return value === undefined || value === null ? undefined : String(value);
    } catch (error) {
      reportOnce(label, error);
      return undefined;
    }
  }

  get workflowId(): string | undefined {
    return this.base.workflowId;
  }

  get workflowName(): string | undefined {
    return this.base.workflowName;
  }

  get jobId(): string | undefined {
    return this.base.jobId;
  }
}

/** `parent` carrying the caller's attribution as the `http` readers will read it; `parent` itself without readers. */
function withRequestAttribution(parent: Context, arrival: HttpArrival, options: ResolvedTracingConfig['http']): Context {
  if (!options.userId && !options.tenantId && !options.sessionId) return parent;
  return setAttribution(parent, new RequestAttribution(arrival, options, getAttribution(parent)));
}
