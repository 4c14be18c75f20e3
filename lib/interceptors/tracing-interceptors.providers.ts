import type { CallHandler, NestInterceptor, Provider } from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { TRACING_CONFIG } from '../tracing.constants.js';
import { HttpRequestHook } from './http-request.hook.js';
import { HttpTracingInterceptor } from './http-tracing.interceptor.js';
import { WsTracingInterceptor } from './ws-tracing.interceptor.js';

/** Stands in for a global interceptor turned off in the options, since module providers are static. */
const PASS_THROUGH: NestInterceptor = { intercept: (_ctx, next: CallHandler) => next.handle() };

/**
 * The global HTTP and WebSocket interceptors, registered as `APP_INTERCEPTOR`s (Nest 12 applies those to
 * controllers and gateways alike); each is a pass-through when `http.enabled`/`websocket.enabled` is false.
 * With them, the HTTP adapter's request hook that sees requests before Nest routes them (off with `http.enabled`).
 */
export const TRACING_INTERCEPTOR_PROVIDERS: Provider[] = [
  HttpRequestHook,
  {
    provide: APP_INTERCEPTOR,
    inject: [TRACING_CONFIG, Reflector],
    useFactory: (config: ResolvedTracingConfig, reflector: Reflector): NestInterceptor =>
      config.http.enabled ? new HttpTracingInterceptor(config, reflector) : PASS_THROUGH,
  },
  {
    provide: APP_INTERCEPTOR,
    inject: [TRACING_CONFIG, Reflector],
    useFactory: (config: ResolvedTracingConfig, reflector: Reflector): NestInterceptor =>
      config.websocket.enabled ? new WsTracingInterceptor(config, reflector) : PASS_THROUGH,
  },
];
