import type { ArgumentsHost } from '@nestjs/common';
import { ExceptionsHandler } from '@nestjs/core/exceptions/exceptions-handler.js';
import { safeExecute } from '../core/safe-execute.js';
import { arrivalOf } from './http-request-span.js';

type Next = (exception: unknown, host: ArgumentsHost) => void;

let installed = false;

/**
 * Lets the request span see what a request's handler threw (or a guard, a pipe, an interceptor or a middleware):
 * Nest hands every such error of an HTTP request to its exception layer (`ExceptionsHandler.next`, which runs the
 * exception filters), and the span records it at its end if the answer was a 5xx, or if no answer was sent. The
 * filters still decide the answer; the error reaches them unchanged. Installed once per process; a request the
 * hook did not trace is left alone.
 *
 * Nest's exception layer rather than an interceptor: an interceptor would put every request through Nest's RxJS
 * interceptor pipeline to see the few that fail.
 */
export function captureHandlerErrors(): void {
  if (installed) return;
  installed = true;
  const proto = ExceptionsHandler.prototype as unknown as { next: Next };
  const next = proto.next;
  proto.next = function (this: unknown, exception: unknown, host: ArgumentsHost): void {
    safeExecute('HTTP handler error', () => {
      const arrival = arrivalOf(host.getArgByIndex<unknown>(0));
      if (arrival) arrival.handlerError ??= { error: exception };
    });
    next.call(this, exception, host);
  };
}
