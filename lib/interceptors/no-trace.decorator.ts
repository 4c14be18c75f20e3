import { applyDecorators, SetMetadata, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { context } from '@opentelemetry/api';
import type { ServerResponse } from 'node:http';
import type { Observable } from 'rxjs';
import { safeExecute } from '../core/safe-execute.js';
import { NO_TRACE_METADATA } from '../tracing.constants.js';
import { arrivalOf } from './http-request-span.js';

/**
 * Gives up the span of an HTTP request whose handler is `@NoTrace()`: the request hook opened it on arrival,
 * before Nest had routed the request, so it is discarded (ended, never exported) once the handler is known. The
 * handler then runs in the context the request arrived in, as if untraced. Applied by `@NoTrace()` itself, so
 * only opted-out handlers run it.
 */
class NoTraceInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const arrival = arrivalOf(ctx.getArgByIndex<unknown>(0));
    if (!arrival?.scope || arrival.skipped) return next.handle();
    arrival.skipped = true;
    const response: ServerResponse = arrival.exchange.response;
    safeExecute('HTTP traceresponse removal', () => {
      if (!response.headersSent) response.removeHeader('traceresponse');
    });
    return context.with(arrival.outer, () => next.handle());
  }
}

const NO_TRACE_INTERCEPTOR = new NoTraceInterceptor();

/**
 * Opts a controller, a gateway or one of their handlers out of request and message tracing: no HTTP,
 * WebSocket or microservice span is exported for it (spans of traced services it calls still are, as roots).
 * @example
 * @NoTrace()
 * @Get('health')
 * health() { return { ok: true }; }
 */
export function NoTrace(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(NO_TRACE_METADATA, true), UseInterceptors(NO_TRACE_INTERCEPTOR));
}

/** `@NoTrace()` per handler and class, looked up once: metadata is fixed once the classes are declared. */
const noTraceCache = new WeakMap<object, { type: object; noTrace: boolean }>();

/** Whether the handler of `ctx` or its controller/gateway is `@NoTrace()`; cached per handler. */
export function isNoTrace(reflector: Reflector, ctx: ExecutionContext): boolean {
  const handler = ctx.getHandler();
  const type = ctx.getClass();
  const cached = noTraceCache.get(handler);
  // A handler inherited by several classes is looked up again when the class changes.
  if (cached?.type === type) return cached.noTrace;
  const noTrace = reflector.getAllAndOverride<boolean | undefined>(NO_TRACE_METADATA, [handler, type]) === true;
  noTraceCache.set(handler, { type, noTrace });
  return noTrace;
}
