import type { Provider } from '@nestjs/common';
import { APP_INTERCEPTOR, HttpAdapterHost, Reflector } from '@nestjs/core';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { TRACING_CONFIG } from '../tracing.constants.js';
import { HttpRequestHook } from './http-request.hook.js';
import { HttpTracingInterceptor } from './http-tracing.interceptor.js';
import { MessageInterceptorsRegistrar } from './message-interceptors.registrar.js';
import { TracingInterceptor } from './tracing.interceptor.js';

/**
 * One global interceptor for HTTP (`APP_INTERCEPTOR`), with the HTTP adapter's request hook that sees requests
 * before Nest routes them; gateway and microservice message tracing is attached to each gateway class and
 * message handler method by `MessageInterceptorsRegistrar`, not globally, so HTTP requests never pay for it.
 *
 * Providers are static (`forRootAsync` knows the options only once its factory ran), so the interceptor is
 * always declared; with tracing or `http` off its factory gives `null`, which Nest 12 skips ("a static factory
 * that returns nothing on purpose"): no interceptor at all, so no RxJS pipeline around every handler, rather
 * than a pass-through that would cost as much as a real one.
 */
export const TRACING_INTERCEPTOR_PROVIDERS: Provider[] = [
  HttpRequestHook,
  MessageInterceptorsRegistrar,
  {
    provide: APP_INTERCEPTOR,
    inject: [TRACING_CONFIG, Reflector, HttpAdapterHost],
    useFactory: (config: ResolvedTracingConfig, reflector: Reflector, adapterHost: HttpAdapterHost): TracingInterceptor | null =>
      config.enabled && config.http.enabled ? new TracingInterceptor(new HttpTracingInterceptor(config, reflector, adapterHost)) : null,
  },
];
