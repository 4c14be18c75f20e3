import { Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { PATTERN_METADATA } from '../microservices/rpc-message.js';
import { RpcTracingInterceptor } from '../microservices/rpc-tracing.interceptor.js';
import { TRACING_CONFIG } from '../tracing.constants.js';
import { WsTracingInterceptor } from './ws-tracing.interceptor.js';

/** `@WebSocketGateway()` marks its class with this key (`@nestjs/websockets`, an optional peer: not imported). */
const GATEWAY_METADATA = 'websockets:is_gateway';

/** The interceptor instances this registrar attached, in any app of the process: recognised, never doubled. */
const attached = new WeakSet<object>();

/**
 * Attaches the WebSocket tracing to each gateway class and the RPC tracing to each microservice handler method,
 * as `@UseInterceptors()` would, first in their list so it runs before the user's interceptors at that level.
 * Only where they are needed: a global (`APP_INTERCEPTOR`) interceptor would put every HTTP request through
 * Nest's RxJS interceptor pipeline too, and would not reach a hybrid app's connected microservice without
 * `inheritAppConfig`; class and method metadata reach both.
 *
 * The work is done in the constructor because Nest reads that metadata when `app.init()` (or a microservice's
 * `listen()`) creates the gateway and handler contexts, before any `onModuleInit` hook: providers are
 * instantiated earlier, during `NestFactory.create`/`createMicroservice` or `Test...compile()`.
 *
 * Idempotent: each class or method carries at most one of ours. Booting another app (in the same process)
 * replaces the previous app's interceptor with this one's, or removes it when that app has the transport off.
 */
@Injectable()
export class MessageInterceptorsRegistrar {
  constructor(@Inject(TRACING_CONFIG) config: ResolvedTracingConfig, reflector: Reflector, modules: ModulesContainer) {
    const ws = config.enabled && config.websocket.enabled ? new WsTracingInterceptor(config, reflector) : undefined;
    const rpc = config.enabled && config.microservices.enabled ? new RpcTracingInterceptor(reflector) : undefined;
    const scanner = new MetadataScanner();
    for (const module of modules.values()) {
      for (const { metatype } of module.providers.values()) {
        if (isClass(metatype) && Reflect.getMetadata(GATEWAY_METADATA, metatype)) putFirst(metatype, ws);
      }
      for (const { metatype } of module.controllers.values()) {
        if (!isClass(metatype)) continue;
        const prototype = metatype.prototype as Record<string, unknown>;
        for (const name of scanner.getAllMethodNames(prototype)) {
          const handler = prototype[name];
          if (typeof handler === 'function' && Reflect.getMetadata(PATTERN_METADATA, handler)) putFirst(handler, rpc);
        }
      }
    }
  }
}

/** Makes `interceptor` (or none) the one of ours, first in `target`'s interceptors metadata. */
function putFirst(target: object, interceptor: NestInterceptor | undefined): void {
  const current: unknown = Reflect.getMetadata(INTERCEPTORS_METADATA, target);
  const list = Array.isArray(current) ? current : [];
  const others = list.filter((item) => !isOurs(item));
  if (!interceptor && others.length === list.length) return;
  if (interceptor) attached.add(interceptor);
  Reflect.defineMetadata(INTERCEPTORS_METADATA, interceptor ? [interceptor, ...others] : others, target);
}

function isOurs(item: unknown): boolean {
  return typeof item === 'object' && item !== null && attached.has(item);
}

function isClass(metatype: unknown): metatype is abstract new (...args: never[]) => unknown {
  return typeof metatype === 'function' && typeof metatype.prototype === 'object' && metatype.prototype !== null;
}
