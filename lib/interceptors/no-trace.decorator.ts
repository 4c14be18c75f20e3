import { SetMetadata, type CustomDecorator, type ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { NO_TRACE_METADATA } from '../tracing.constants.js';

/**
 * Opts a controller, a gateway or one of their handlers out of request and message tracing: no HTTP,
 * WebSocket or microservice span is created for it (spans of traced services it calls still are, as roots).
 * @example
 * @NoTrace()
 * @Get('health')
 * health() { return { ok: true }; }
 */
export function NoTrace(): CustomDecorator<string> {
  return SetMetadata(NO_TRACE_METADATA, true);
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
