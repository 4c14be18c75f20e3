import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import type { Observable } from 'rxjs';
import { getRuntime } from '../core/runtime.js';
import { safeExecute } from '../core/safe-execute.js';
import { runInSpan } from '../core/span-engine.js';
import { isNoTrace } from '../interceptors/no-trace.decorator.js';
import { extractContext } from '../propagation/context-carrier.js';
import { MessagingAttributes } from '../semconv.js';
import { describeRpcMessage } from './rpc-message.js';

/** Argument arrays of messages already traced (a hand-applied interceptor next to the one TracingModule attaches). */
const tracedMessages = new WeakSet<object>();

/**
 * Traces each message a Nest microservice handles, on every transport (TCP, Redis, NATS, RabbitMQ, Kafka,
 * MQTT...), in standalone microservices and hybrid apps alike:
 * - a `@MessagePattern` handler runs in a SERVER span `rpc {pattern}`;
 * - an `@EventPattern` handler runs in a CONSUMER span `process {pattern}`;
 * - both carry `messaging.system` (the transport), `messaging.destination.name` (the pattern),
 *   `messaging.operation.type`=`process`, and are the parent of everything the handler does.
 *
 * The parent is the trace context the sender attached (see `ClientProxy` tracing: packet `metadata` on TCP and
 * Redis, message headers on NATS and RabbitMQ), with its attribution when `propagation.attribution` accepts it; a
 * message without one starts a new trace. Never the context of the connection it arrived on.
 *
 * Applied to every `@MessagePattern`/`@EventPattern` handler method by `TracingModule` (`microservices.enabled`,
 * default true), at bootstrap, as the first of the method's interceptors (not globally: HTTP requests do not go
 * through it, and a hybrid app's connected microservice is traced without `inheritAppConfig`). A class-level
 * `@UseInterceptors()` of the controller therefore runs outside the span. Usable by hand with
 * `@UseInterceptors(RpcTracingInterceptor)` when `microservices.enabled` is off; next to ours, a message is
 * traced once.
 */
@Injectable()
export class RpcTracingInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'rpc' || !getRuntime().enabled || isNoTrace(this.reflector, ctx)) return next.handle();
    const args = ctx.getArgs();
    if (tracedMessages.has(args)) return next.handle();
    tracedMessages.add(args);
    const message = safeExecute('microservice message description', () => describeRpcMessage(ctx));
    if (!message) return next.handle();
    const attributes: Attributes = {
      [MessagingAttributes.DESTINATION_NAME]: message.pattern,
      [MessagingAttributes.OPERATION_TYPE]: 'process',
      [MessagingAttributes.OPERATION_NAME]: message.event ? 'event' : 'message',
    };
    if (message.transport) attributes[MessagingAttributes.SYSTEM] = message.transport;
    return runInSpan(
      {
        name: message.event ? `process ${message.pattern}` : `rpc ${message.pattern}`,
        role: 'rpc',
        kind: message.event ? SpanKind.CONSUMER : SpanKind.SERVER,
        parent: extractContext(message.carrier),
        attributes,
      },
      () => next.handle(),
    );
  }
}
