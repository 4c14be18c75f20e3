import type { Provider } from '@nestjs/common';
import { HttpRequestHook } from './http-request.hook.js';
import { MessageInterceptorsRegistrar } from './message-interceptors.registrar.js';

/**
 * Request and message tracing, without any global (`APP_INTERCEPTOR`) interceptor: Nest applies global
 * interceptors to every handler, and runs every handler that has one through its RxJS interceptor pipeline, a
 * fixed cost per request.
 * - HTTP requests are traced from the HTTP adapter's instrumentation hooks (`HttpRequestHook`): the span opens as
 *   the request arrives and the request runs in its context.
 * - Gateway and microservice messages are traced by interceptors attached at bootstrap to each gateway class and
 *   message handler method (`MessageInterceptorsRegistrar`), so HTTP requests never go through them.
 */
export const TRACING_INTERCEPTOR_PROVIDERS: Provider[] = [HttpRequestHook, MessageInterceptorsRegistrar];
