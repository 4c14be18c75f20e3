import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { context } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { getRuntime } from '../core/runtime.js';
import { reportOnce, safeExecute } from '../core/safe-execute.js';
import { runInSpan, type SpanSpec } from '../core/span-engine.js';
import { getScope } from '../core/span-scope.js';
import { TRACING_CONFIG } from '../tracing.constants.js';
import { exchangeOf, requestTarget, routeTemplate } from './http-exchange.js';
import { captureHandlerErrors } from './http-handler-errors.js';
import { arrivalOfScope, arrive, nameAfterRoute, requestSpanSpec, type HttpArrival } from './http-request-span.js';
import { requestPathFilter, type PathFilter } from './request-path.js';

/** The adapters' request hook: `(req, res)` on Express, `(request, reply)` on Fastify. */
type RequestHook = (request: unknown, response: unknown, done: (error?: Error) => void) => unknown;
/** The adapters' route hook: called right before a route's handler runs (Nest 12 `setOnRouteTriggered`). */
type RouteHook = (requestMethod: unknown, path: string) => void;

interface InstrumentedAdapter {
  setOnRequestHook?: (hook: RequestHook) => void;
  onRequestHook?: unknown;
  setOnRouteTriggered?: (hook: RouteHook) => void;
  getOnRouteTriggered?: () => RouteHook | undefined;
}

/**
 * Traces every HTTP request, through the two hooks Nest 12's HTTP adapters provide for instrumentation, without
 * an interceptor (which would put every request through Nest's RxJS interceptor pipeline):
 * - the request hook (`setOnRequestHook`) sees every request as it arrives, before the body parser, `app.use()`
 *   middleware, Nest middleware, guards and routing, on every path, on Express and Fastify. It opens the request
 *   span there, and the rest of the request (middleware, guards, the handler, exception filters) runs in its
 *   context, so everything traced below nests under it and is attributed to its caller. So requests that never
 *   reach a handler (a path no route matches: 404; a guard's 401/403; a middleware's error) are traced too;
 * - the route hook (`setOnRouteTriggered`), called right before a route's handler, names the span after the route
 *   the framework matched (`{METHOD} {route}`): before guards run, so a guard's rejection is named after its
 *   route. A request no handler took (a 404) is named `{METHOD}`: Nest answers unmatched paths from a catch-all
 *   route of its own.
 * The span ends once the answer has been sent (or the client left), with the final status code. A handler that
 * turns out to be `@NoTrace()` gives its span up (`discard`): it ends unexported.
 *
 * Not a Nest middleware (`consumer.apply(...).forRoutes('{*path}')`): Nest mounts a wildcard middleware under
 * the global prefix, so scanner hits outside it (`/wp-login.php` beside `/api`) would go unseen; middleware
 * added with `app.use()` runs before it; and on Fastify a middleware only gets the Node request, not the routed
 * `FastifyRequest` that knows the route.
 *
 * A request with a body keeps its context across the body parser: its stream's listeners are bound to the
 * request's context (the parser's callbacks are invoked from the socket's events, outside of it).
 *
 * Left alone: `http.ignorePaths`, and the trace explorer's routes (under `explorer.path`), served beside Nest.
 */
@Injectable()
export class HttpRequestHook implements OnModuleInit {
  private paths: PathFilter | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TRACING_CONFIG) private readonly config: ResolvedTracingConfig,
  ) {
    // The route hook must be set before `app.init()` registers the routes (each one is wrapped as it is). The
    // adapter arrives when the application is created: after this provider, under `@nestjs/testing`.
    adapterHost.init$.subscribe(() => this.hookRoutes());
  }

  private hookRoutes(): void {
    const adapter = this.adapter();
    if (!adapter || typeof adapter.setOnRouteTriggered !== 'function') return;
    const previous = adapter.getOnRouteTriggered?.();
    adapter.setOnRouteTriggered((requestMethod, path) => {
      safeExecute('HTTP route', onRoute);
      if (typeof previous === 'function') previous(requestMethod, path);
    });
  }

  onModuleInit(): void {
    const adapter = this.adapter();
    if (!adapter || typeof adapter.setOnRequestHook !== 'function') return;
    captureHandlerErrors();
    this.paths = requestPathFilter(this.config, this.adapterHost.httpAdapter);
    // One hook per adapter: one set before (devtools, the app) keeps running after this one.
    const previous = adapter.onRequestHook;
    const hook: RequestHook = (request, response, done) => {
      const proceed = () => (typeof previous === 'function' ? (previous as RequestHook).call(adapter, request, response, done) : done());
      if (!getRuntime().enabled) return proceed();
      return this.trace(request, response, proceed);
    };
    adapter.setOnRequestHook(hook);
  }

  /** The adapter, when HTTP tracing is on and it has the hooks; undefined otherwise. */
  private adapter(): InstrumentedAdapter | undefined {
    if (!this.config.enabled || !this.config.http.enabled) return undefined;
    return this.adapterHost.httpAdapter as unknown as InstrumentedAdapter | undefined;
  }

  /** Runs `proceed` (the rest of the request) in the request's span, or as it is for a request not traced. */
  private trace(request: unknown, response: unknown, proceed: () => unknown): unknown {
    let arrival: HttpArrival | undefined;
    let spec: SpanSpec | undefined;
    // try/catch rather than `safeExecute`: no closure on every request.
    try {
      const exchange = exchangeOf(request, response);
      const target = exchange && requestTarget(exchange);
      if (exchange && target && !this.paths?.excludes(target.path)) {
        arrival = arrive(exchange, target, this.config);
        spec = requestSpanSpec(arrival, undefined, this.config.http);
      }
    } catch (error) {
      reportOnce('HTTP request arrival', error);
    }
    if (!arrival || !spec) return proceed();
    const raw = arrival.exchange.raw;
    return runInSpan(spec, () => {
      if (hasBody(raw)) safeExecute('HTTP request context', () => context.bind(context.active(), raw));
      return proceed();
    });
  }
}

/** Names the active request's span after the route whose handler is about to run. */
function onRoute(): void {
  const arrival = arrivalOfScope(getScope(context.active()));
  if (arrival) nameAfterRoute(arrival, routeTemplate(arrival.exchange.request));
}

/** Whether the request has a body to read (a length other than 0, or chunked). */
function hasBody(raw: IncomingMessage): boolean {
  const headers = raw.headers;
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}
