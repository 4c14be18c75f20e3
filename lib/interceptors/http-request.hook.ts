import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ServerResponse } from 'node:http';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { getRuntime } from '../core/runtime.js';
import { safeExecute } from '../core/safe-execute.js';
import { runInSpan } from '../core/span-engine.js';
import { TRACING_CONFIG } from '../tracing.constants.js';
import { exchangeOf, requestTarget, routeTemplate } from './http-exchange.js';
import { arrive, requestSpanSpec, type HttpArrival } from './http-request-span.js';
import { requestPathFilter, type PathFilter } from './request-path.js';

/** The adapters' request hook: `(req, res)` on Express, `(request, reply)` on Fastify. */
type RequestHook = (request: unknown, response: unknown, done: (error?: Error) => void) => unknown;

/**
 * Sees every HTTP request as it arrives, through the HTTP adapter's request hook (`setOnRequestHook`, which
 * Nest 12 provides for instrumentation): before the body parser, `app.use()` middleware, Nest middleware,
 * guards and routing, on every path, on Express and Fastify. So requests that never reach the interceptor
 * (a path no route matches: 404; a guard's 401/403; a middleware's error) are traced too, and every request
 * span starts when the request arrived.
 *
 * Not a Nest middleware (`consumer.apply(...).forRoutes('{*path}')`): Nest mounts a wildcard middleware under
 * the global prefix, so scanner hits outside it (`/wp-login.php` beside `/api`) would go unseen; middleware
 * added with `app.use()` runs before it; and on Fastify a middleware only gets the Node request, not the routed
 * `FastifyRequest` that knows the route.
 *
 * The span is opened lazily, not on arrival: whether the handler is `@NoTrace()` is only known once Nest has
 * routed the request, and a started span cannot be dropped again (processors have seen it start; never ending
 * it would be a leak, not a drop). The hook records when the request arrived and the context it joins; then
 * - the interceptor opens the span right before the handler, which runs inside it (nested spans keep their
 *   parent, costs roll up to it), or leaves it unopened for a `@NoTrace()` handler;
 * - a request answered before reaching a handler gets its span opened just before the answer's headers are
 *   written, so that the `traceresponse` header can name it (or, without that header, or when the client left
 *   before any answer, when the exchange ends). It is named after the route the framework matched (a guard's
 *   rejection), else `{METHOD}`: a 404 never names a route, since Nest answers unmatched paths from a
 *   catch-all route of its own. A handler-level `@NoTrace()` cannot be known for a request a guard rejected;
 *   `http.ignorePaths` can.
 * Either way the span starts when the request arrived and ends when the answer has been sent.
 *
 * Left alone: `http.ignorePaths`, and the trace explorer's routes (under `explorer.path`), served beside Nest.
 */
@Injectable()
export class HttpRequestHook implements OnModuleInit {
  private paths: PathFilter | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TRACING_CONFIG) private readonly config: ResolvedTracingConfig,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter || typeof adapter.setOnRequestHook !== 'function' || !this.config.enabled || !this.config.http.enabled) return;
    this.paths = requestPathFilter(this.config, adapter);
    // One hook per adapter: one set before (devtools, the app) keeps running after this one.
    const previous = (adapter as unknown as { onRequestHook?: unknown }).onRequestHook;
    const hook: RequestHook = (request, response, done) => {
      safeExecute('HTTP request arrival', () => this.onArrival(request, response));
      return typeof previous === 'function' ? (previous as RequestHook).call(adapter, request, response, done) : done();
    };
    adapter.setOnRequestHook(hook);
  }

  private onArrival(request: unknown, response: unknown): void {
    if (!getRuntime().enabled) return;
    const exchange = exchangeOf(request, response);
    if (!exchange) return;
    const target = requestTarget(exchange);
    if (this.paths?.excludes(target.path)) return;
    const arrival = arrive(exchange, target, true, this.config);
    if (this.config.http.traceResponseHeader) beforeHeaders(exchange.response, arrival, this.traceUnhandled);
    arrival.done.whenDone(() => this.traceUnhandled(arrival, exchange.response.headersSent ? exchange.response.statusCode : undefined));
  }

  /** Opens the span of a request answered (or abandoned) before any handler ran; it only waits for the answer. */
  private readonly traceUnhandled = (arrival: HttpArrival, status: number | undefined): void => {
    if (arrival.state !== 'pending') return;
    arrival.state = 'traced';
    safeExecute('HTTP request span', () => {
      const route = status === 404 ? undefined : routeTemplate(arrival.exchange.request);
      runInSpan(requestSpanSpec(arrival, route, this.config.http), () => undefined);
    });
  };
}

/** Who to tell, for a response whose headers are watched. */
interface HeadersWatch {
  arrival: HttpArrival;
  fn: (arrival: HttpArrival, status: number) => void;
}

const watched = new WeakMap<ServerResponse, HeadersWatch>();
/** Response prototypes whose `writeHead` reports to `watched` (Express's per-app `response` objects). */
const patchedPrototypes = new WeakSet<object>();

/**
 * Calls `fn` with the status code right before `response` writes its headers, while its request is still
 * pending, as the `on-headers` package does: Node writes them through `writeHead`, called explicitly (Fastify)
 * or by the first write (Express).
 *
 * Express gives every response its app's `response` object as prototype (`Object.setPrototypeOf`), after
 * which adding an own property to the response costs V8 microseconds; so there the prototype's `writeHead` is
 * replaced, once per app, by one that looks the response up in `watched` and otherwise just delegates. Other
 * responses (Fastify's plain `ServerResponse`) get it as an own property, which is cheap on them.
 */
function beforeHeaders(response: ServerResponse, arrival: HttpArrival, fn: HeadersWatch['fn']): void {
  watched.set(response, { arrival, fn });
  const proto = Object.getPrototypeOf(response) as object | null;
  if (Object.hasOwn(response, 'writeHead') || proto === null || proto === ServerResponse.prototype) {
    response.writeHead = watchingWriteHead(response.writeHead);
  } else if (!patchedPrototypes.has(proto)) {
    patchedPrototypes.add(proto);
    const target = proto as { writeHead: ServerResponse['writeHead'] };
    target.writeHead = watchingWriteHead(target.writeHead);
  }
}

function watchingWriteHead(writeHead: ServerResponse['writeHead']): ServerResponse['writeHead'] {
  return function (this: ServerResponse, ...args: unknown[]): ServerResponse {
    const watch = watched.get(this);
    if (watch && watch.arrival.state === 'pending') {
      const status = typeof args[0] === 'number' ? args[0] : this.statusCode;
      safeExecute('HTTP request span', () => watch.fn(watch.arrival, status));
    }
    return Reflect.apply(writeHead, this, args) as ServerResponse;
  } as ServerResponse['writeHead'];
}
