import { Inject, Injectable, Optional, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import type { Observable } from 'rxjs';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { getRuntime } from '../core/runtime.js';
import { runInSpan } from '../core/span-engine.js';
import { TRACING_CONFIG } from '../tracing.constants.js';
import { exchangeOf, requestTarget, routeTemplate } from './http-exchange.js';
import { arrivalOf, arrive, requestSpanSpec } from './http-request-span.js';
import { isNoTrace } from './no-trace.decorator.js';
import { requestPathFilter, type PathFilter } from './request-path.js';

/**
 * Traces each HTTP request handled by a controller it is applied to, when `TracingModule`'s own HTTP tracing is
 * off (`http.enabled: false`): one span `{METHOD} {route}` (route template with global prefix and URI version,
 * e.g. `GET /api/v1/items/:id`) with the OpenTelemetry HTTP attributes, parented on the W3C
 * `traceparent`/`tracestate` request headers. The handler runs inside the span, so every traced service below it
 * nests under the request, and the `http.userId`/`tenantId`/`sessionId` readers attribute all of it to the caller.
 *
 * The span ends when the response has been sent, not when the handler returns: its status is the final one,
 * after exception filters (a filter that maps an error to 503 gives ERROR, one mapping to 418 does not), and
 * SSE, Observable and `StreamableFile` responses are timed to their last byte. 5xx answers and unhandled
 * errors are ERROR with `error.type`; 4xx answers leave a server span's status UNSET.
 *
 * With `http.enabled` (the default) `TracingModule` traces every request from its arrival through the HTTP
 * adapter's hooks (`HttpRequestHook`), without any interceptor; applied by hand next to it, this one does
 * nothing. Applied by hand with the module's HTTP tracing off, its span starts at the handler.
 * @example
 * @UseInterceptors(HttpTracingInterceptor)
 * @Controller('items')
 * export class ItemsController {}
 */
@Injectable()
export class HttpTracingInterceptor implements NestInterceptor {
  private paths: PathFilter | undefined;

  constructor(
    @Inject(TRACING_CONFIG) private readonly config: ResolvedTracingConfig,
    private readonly reflector: Reflector,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http' || !getRuntime().enabled) return next.handle();
    // getArgByIndex, not switchToHttp(): that one assigns three new closures to the context on every call.
    const request = ctx.getArgByIndex<unknown>(0);
    // Traced once: by the request hook on arrival, or by the first of several hand-applied interceptors.
    if (arrivalOf(request) || isNoTrace(this.reflector, ctx)) return next.handle();
    const exchange = exchangeOf(request, ctx.getArgByIndex<unknown>(1));
    if (!exchange) return next.handle();
    const target = requestTarget(exchange);
    // Built on first use: the router's matching options are final once the app is initialised.
    this.paths ??= requestPathFilter(this.config, this.adapterHost?.httpAdapter);
    if (this.paths.excludes(target.path)) return next.handle();
    const arrival = arrive(exchange, target, this.config);
    return runInSpan(requestSpanSpec(arrival, routeTemplate(request), this.config.http), () => next.handle());
  }
}
