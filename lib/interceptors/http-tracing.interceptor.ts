import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { Observable } from 'rxjs';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import type { RequestReader } from '../config/tracing-options.interface.js';
import { getRuntime } from '../core/runtime.js';
import { safeExecute } from '../core/safe-execute.js';
import { markError, runInSpan } from '../core/span-engine.js';
import type { Attribution, SpanScope } from '../core/span-scope.js';
import { HttpAttributes } from '../semconv.js';
import { NO_TRACE_METADATA, TRACING_CONFIG } from '../tracing.constants.js';
import {
  httpExchange,
  redactQuery,
  requestAttributes,
  requestMethod,
  requestTarget,
  routeTemplate,
  whenResponseDone,
  type HttpExchange,
} from './http-exchange.js';
import { matchesAny } from './pattern-match.js';

/** Requests already traced, so a hand-applied interceptor next to the global one does not trace twice. */
const traced = new WeakSet<object>();

/**
 * Traces each HTTP request handled by a controller: one span `{METHOD} {route}` (route template with global
 * prefix and URI version, e.g. `GET /api/v1/items/:id`) with the OpenTelemetry HTTP attributes, parented on
 * the W3C `traceparent`/`tracestate` request headers. The handler runs inside the span, so every traced
 * service below it nests under the request, and the `http.userId`/`tenantId`/`sessionId` readers attribute
 * all of it to the caller.
 *
 * The span ends when the response has been sent, not when the handler returns: its status is the final one,
 * after exception filters (a filter that maps an error to 503 gives ERROR, one mapping to 418 does not), and
 * SSE, Observable and `StreamableFile` responses are timed to their last byte. 5xx answers and unhandled
 * errors are ERROR with `error.type`; 4xx answers leave a server span's status UNSET.
 *
 * When a span is already active (the SERVER span of `@opentelemetry/instrumentation-http`, or a middleware's
 * span), no second SERVER span is started: the request span becomes an INTERNAL child of it, and an active
 * SERVER span is enriched with the route (`updateName('{METHOD} {route}')`, `http.route`), which that
 * instrumentation cannot know. The `traceresponse` header then names that server span.
 *
 * Applied to every controller by `TracingModule` (`http.enabled`, default true); usable by hand with
 * `@UseInterceptors(HttpTracingInterceptor)` when the global one is off. Requests that never reach the
 * interceptors (no matching route, rejected by a guard) are not traced by it.
 */
@Injectable()
export class HttpTracingInterceptor implements NestInterceptor {
  constructor(
    @Inject(TRACING_CONFIG) private readonly config: ResolvedTracingConfig,
    private readonly reflector: Reflector,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http' || !getRuntime().enabled) return next.handle();
    if (this.reflector.getAllAndOverride<boolean>(NO_TRACE_METADATA, [ctx.getHandler(), ctx.getClass()])) return next.handle();
    const exchange = httpExchange(ctx);
    if (!exchange || traced.has(exchange.raw)) return next.handle();
    const { path, query } = requestTarget(exchange);
    const options = this.config.http;
    if (matchesAny(path, options.ignorePaths)) return next.handle();
    traced.add(exchange.raw);

    const method = requestMethod(exchange.raw);
    const route = routeTemplate(exchange.request);
    const name = `${method === '_OTHER' ? 'HTTP' : method}${route === undefined ? '' : ` ${route}`}`;
    const attributes = requestAttributes(exchange, method, route, path);
    if (query !== undefined && options.captureQuery) {
      attributes[HttpAttributes.URL_QUERY] = redactQuery(query, getRuntime().isSecretKey);
    }
    const upstream = localActiveSpan();
    const serverSpan = upstream && isServerSpan(upstream) ? upstream : undefined;
    if (serverSpan) {
      safeExecute('HTTP server span enrichment', () => {
        serverSpan.updateName(name);
        if (route !== undefined) serverSpan.setAttribute(HttpAttributes.ROUTE, route);
      });
    }
    const parent: Context = upstream ? context.active() : propagation.extract(context.active(), exchange.raw.headers);
    const kind = upstream ? SpanKind.INTERNAL : SpanKind.SERVER;
    const responseDone = whenResponseDone(exchange.response);
    let handlerError: { error: unknown } | undefined;

    return runInSpan(
      {
        name,
        role: 'http',
        kind,
        parent,
        attributes,
        attribution: this.attribution(exchange.request),
        onStart: (scope) => {
          if (options.traceResponseHeader) setTraceResponse(exchange, serverSpan ?? scope.span);
        },
        // The handler failed, but the answer is not known yet: a filter may still turn it into a 4xx.
        onError: (_scope, error) => {
          handlerError = { error };
        },
        endAfter: () => responseDone,
        onEnd: (scope) => recordOutcome(scope, exchange, handlerError),
      },
      () => next.handle(),
    );
  }

  private attribution(request: unknown): Attribution {
    const { userId, tenantId, sessionId } = this.config.http;
    return {
      userId: readRequest('http.userId', userId, request),
      tenantId: readRequest('http.tenantId', tenantId, request),
      sessionId: readRequest('http.sessionId', sessionId, request),
    };
  }
}

/** Status code, span status and error details from the answer actually sent. */
function recordOutcome(scope: SpanScope, exchange: HttpExchange, handlerError: { error: unknown } | undefined): void {
  const span = scope.span;
  const response = exchange.response;
  // Without headers sent the client left (or the server gave up) before any answer: no status code to report.
  const status = response.headersSent ? response.statusCode : undefined;
  if (status !== undefined) span.setAttribute(HttpAttributes.RESPONSE_STATUS_CODE, status);
  // 4xx answers are the client's fault: not errors of a server-side span.
  const failed = status === undefined ? handlerError !== undefined : status >= 500;
  if (!failed) return;
  if (handlerError) {
    markError(scope, handlerError.error);
  } else {
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute(HttpAttributes.ERROR_TYPE, String(status));
  }
}

/** W3C Trace Context Level 2 `traceresponse`: version, trace id, the server span's id and the sampled flag. */
function setTraceResponse(exchange: HttpExchange, span: Span): void {
  const response = exchange.response;
  if (response.headersSent) return;
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!trace.isSpanContextValid(span.spanContext())) return;
  response.setHeader('traceresponse', `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`);
}

/** The active span when it was started in this process (a remote parent is a caller, not an upstream span). */
function localActiveSpan(): Span | undefined {
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const spanContext = span.spanContext();
  return trace.isSpanContextValid(spanContext) && !spanContext.isRemote ? span : undefined;
}

/** SDK spans expose their kind; a non-recording span does not and is treated as not being a server span. */
function isServerSpan(span: Span): boolean {
  return (span as unknown as { kind?: unknown }).kind === SpanKind.SERVER;
}

function readRequest(label: string, reader: RequestReader<string> | undefined, request: unknown): string | undefined {
  if (!reader) return undefined;
  const value = safeExecute(label, () => reader(request));
  return value === undefined || value === null ? undefined : String(value);
}
