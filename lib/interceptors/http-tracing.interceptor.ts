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
 * When a span of this process is active as the request arrives (the SERVER span of
 * `@opentelemetry/instrumentation-http`), no second SERVER span is started: the request span becomes an
 * INTERNAL child of it, and an active SERVER span is enriched with the route (`updateName('{METHOD} {route}')`,
 * `http.route`), which that instrumentation cannot know. The `traceresponse` header then names that server span.
 *
 * Applied to every controller by `TracingModule` (`http.enabled`, default true), whose request hook
 * (`HttpRequestHook`) also traces the requests that never reach an interceptor (no matching route, rejected by
 * a guard or a middleware) and makes every request span start when the request arrived. Usable by hand with
 * `@UseInterceptors(HttpTracingInterceptor)` when the global one is off; the span then starts at the handler.
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
    let arrival = arrivalOf(request);
    // Traced once, also when a hand-applied interceptor runs next to the global one.
    if (arrival && arrival.state !== 'pending') return next.handle();
    if (isNoTrace(this.reflector, ctx)) {
      // The request hook saw it before it was routed: its span must not be opened at all.
      if (arrival) arrival.state = 'skipped';
      return next.handle();
    }
    if (!arrival) {
      const exchange = exchangeOf(request, ctx.getArgByIndex<unknown>(1));
      if (!exchange) return next.handle();
      const target = requestTarget(exchange);
      // The request hook leaves ignored paths alone; without the hook (interceptor applied by hand) this decides.
      // Built on first use: the router's matching options are final once the app is initialised.
      this.paths ??= requestPathFilter(this.config, this.adapterHost?.httpAdapter);
      if (this.paths.excludes(target.path)) return next.handle();
      arrival = arrive(exchange, target, false, this.config);
    }
    arrival.state = 'traced';
    return runInSpan(requestSpanSpec(arrival, routeTemplate(request), this.config.http), () => next.handle());
  }
}
