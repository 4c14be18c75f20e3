import type { Provider } from '@nestjs/common';
import { APP_INTERCEPTOR, ModulesContainer, Reflector } from '@nestjs/core';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { RpcTracingInterceptor } from '../microservices/rpc-tracing.interceptor.js';
import { TRACING_CONFIG } from '../tracing.constants.js';
import { HttpRequestHook } from './http-request.hook.js';
import { findMessageHandlers } from './message-handlers.js';
import { TracingInterceptor } from './tracing.interceptor.js';
import { WsTracingInterceptor } from './ws-tracing.interceptor.js';

/**
 * HTTP requests are traced by the HTTP adapter's hooks (`HttpRequestHook`), without an interceptor. Gateway and
 * microservice messages are traced by one global interceptor (`APP_INTERCEPTOR`), registered only when the
 * application has handlers of that kind (a `@WebSocketGateway()` with `websocket` on, `@MessagePattern()` or
 * `@EventPattern()` methods with `microservices` on): Nest applies global interceptors to HTTP routes too, and
 * runs every handler that has any through its RxJS interceptor pipeline, a fixed cost per request that a pure
 * HTTP API would otherwise pay for nothing.
 *
 * Providers are static (`forRootAsync` knows the options only once its factory ran), so the interceptor is
 * always declared; when it is not needed its factory gives `null`, which Nest 12 skips ("a static factory that
 * returns nothing on purpose"): no interceptor at all, rather than a pass-through that would cost as much as a
 * real one. Handlers are found in the scanned modules, before any instance exists (`findMessageHandlers`).
 */
export const TRACING_INTERCEPTOR_PROVIDERS: Provider[] = [
  HttpRequestHook,
  {
    provide: APP_INTERCEPTOR,
    inject: [TRACING_CONFIG, Reflector, ModulesContainer],
    useFactory: (config: ResolvedTracingConfig, reflector: Reflector, modules: ModulesContainer): TracingInterceptor | null => {
      if (!config.enabled || (!config.websocket.enabled && !config.microservices.enabled)) return null;
      const handlers = findMessageHandlers(modules);
      const ws = config.websocket.enabled && handlers.gateways ? new WsTracingInterceptor(config, reflector) : undefined;
      const rpc = config.microservices.enabled && handlers.patterns ? new RpcTracingInterceptor(reflector) : undefined;
      return ws || rpc ? new TracingInterceptor(ws, rpc) : null;
    },
  },
];
