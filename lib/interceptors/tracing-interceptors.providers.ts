import type { Provider } from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { RpcTracingInterceptor } from '../microservices/rpc-tracing.interceptor.js';
import { TRACING_CONFIG } from '../tracing.constants.js';
import { HttpRequestHook } from './http-request.hook.js';
import { TracingInterceptor } from './tracing.interceptor.js';
import { WsTracingInterceptor } from './ws-tracing.interceptor.js';

/**
 * One global interceptor for HTTP, WebSocket and microservice messages (`APP_INTERCEPTOR`: Nest 12 applies
 * those to controllers, gateways and message handlers alike), with the HTTP adapter's request hook that sees
 * requests before Nest routes them.
 *
 * Providers are static (`forRootAsync` knows the options only once its factory ran), so the interceptor is
 * always declared; with tracing, `http`, `websocket` and `microservices` all off its factory gives `null`, which Nest 12 skips
 * ("a static factory that returns nothing on purpose"): no interceptor at all, so no RxJS pipeline around
 * every handler, rather than a pass-through that would cost as much as a real one.
 */
export const TRACING_INTERCEPTOR_PROVIDERS: Provider[] = [
  HttpRequestHook,
  {
    provide: APP_INTERCEPTOR,
    inject: [TRACING_CONFIG, Reflector],
    useFactory: (config: ResolvedTracingConfig, reflector: Reflector): TracingInterceptor | null => {
      const ws = config.enabled && config.websocket.enabled ? new WsTracingInterceptor(config, reflector) : undefined;
      const rpc = config.enabled && config.microservices.enabled ? new RpcTracingInterceptor(reflector) : undefined;
      return ws || rpc ? new TracingInterceptor(ws, rpc) : null;
    },
  },
];
