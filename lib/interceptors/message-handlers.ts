import { MetadataScanner, type ModulesContainer } from '@nestjs/core';

/** `@WebSocketGateway()` on a class (`@nestjs/websockets`' `GATEWAY_METADATA`; the package is optional). */
const GATEWAY_METADATA = 'websockets:is_gateway';
/** `@MessagePattern()` / `@EventPattern()` on a method (`@nestjs/microservices`' `PATTERN_HANDLER_METADATA`). */
const PATTERN_HANDLER_METADATA = 'microservices:handler_type';

/** Which kinds of message handlers an application has: what a global interceptor would be there for. */
export interface MessageHandlers {
  gateways: boolean;
  patterns: boolean;
}

/**
 * Looks through the application's modules the way Nest's WebSocket and microservice modules do when they bind
 * handlers: providers whose class is a `@WebSocketGateway()`, controllers with `@MessagePattern()` or
 * `@EventPattern()` methods (inherited ones included). Read from the scanned modules, before any instance exists.
 */
export function findMessageHandlers(modules: ModulesContainer): MessageHandlers {
  const found: MessageHandlers = { gateways: false, patterns: false };
  const scanner = new MetadataScanner();
  for (const module of modules.values()) {
    for (const wrapper of module.providers.values()) {
      const type = wrapper.metatype;
      if (!found.gateways && typeof type === 'function' && !wrapper.isNotMetatype && Reflect.getMetadata(GATEWAY_METADATA, type) !== undefined) {
        found.gateways = true;
      }
    }
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype;
      if (found.patterns || typeof type !== 'function') continue;
      const prototype = (type as { prototype?: object }).prototype;
      if (!prototype) continue;
      found.patterns = scanner.getAllMethodNames(prototype).some((name) => {
        const method = (prototype as Record<string, unknown>)[name];
        return typeof method === 'function' && Reflect.getMetadata(PATTERN_HANDLER_METADATA, method) !== undefined;
      });
    }
    if (found.gateways && found.patterns) break;
  }
  return found;
}
