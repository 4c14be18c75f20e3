import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import type { Observable } from 'rxjs';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { getRuntime } from '../core/runtime.js';
import { safeExecute } from '../core/safe-execute.js';
import { runInSpan } from '../core/span-engine.js';
import type { Attribution, SpanScope } from '../core/span-scope.js';
import { WebSocketAttributes } from '../semconv.js';
import { TRACING_CONFIG } from '../tracing.constants.js';
import { isNoTrace } from './no-trace.decorator.js';
import { matchesAny } from './pattern-match.js';
import { clientAttributes, isWsResponse, messageParent, messageSize } from './ws-message.js';

/** Span event recorded for each message a handler sends back. */
export const WS_OUTBOUND_EVENT = 'websocket.outbound';

/** Argument arrays of messages already traced: Nest builds one per handled message, shared by its interceptors. */
const tracedMessages = new WeakSet<object>();

/**
 * Traces each message handled by a `@SubscribeMessage` handler, on `@nestjs/platform-socket.io` and
 * `@nestjs/platform-ws`: one SERVER span `websocket {event}` per inbound message with `websocket.event`,
 * `websocket.direction`=`inbound`, `websocket.message.size` (bytes of the JSON payload), `websocket.client.id`,
 * `websocket.namespace` (socket.io), and `workflow.job_id`/`session.id` read from the payload
 * (`websocket.payloadIds`); those ids and `websocket.attribution` are carried by every span below it.
 *
 * SERVER, not CONSUMER: the handler is the server-side entry point of the work a client asked for, and may
 * answer it (socket.io acks, `WsResponse`s), as an RPC server does; backends build their service entry
 * points and request metrics from SERVER spans.
 *
 * Each message is its own trace unless it carries a `traceparent` (payload field, or socket.io handshake
 * headers/`auth`); messages never nest under a connection-long span. What the handler sends back (a
 * `WsResponse`, each item of an Observable of them, or an ack value) is recorded as `websocket.outbound` span
 * events with the count in `websocket.outbound.messages`; a streamed reply ends the span when it completes.
 * A thrown `WsException` (or any error) marks the span ERROR; Nest's exception filter still sends the client
 * its `exception` event.
 *
 * Applied to every `@WebSocketGateway` class by `TracingModule` (`websocket.enabled`, default true), at bootstrap,
 * as the first of the class's interceptors (not globally: HTTP requests do not go through it). Usable by hand
 * with `@UseInterceptors(WsTracingInterceptor)` when `websocket.enabled` is off; next to ours, a message is
 * traced once.
 */
@Injectable()
export class WsTracingInterceptor implements NestInterceptor {
  constructor(
    @Inject(TRACING_CONFIG) private readonly config: ResolvedTracingConfig,
    private readonly reflector: Reflector,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'ws' || !getRuntime().enabled) return next.handle();
    if (isNoTrace(this.reflector, ctx)) return next.handle();
    const ws = ctx.switchToWs();
    const event = String(ws.getPattern());
    if (matchesAny(event, this.config.websocket.ignoreEvents)) return next.handle();
    const client = ws.getClient<unknown>();
    const payload = ws.getData<unknown>();
    // A hand-applied interceptor next to the one TracingModule attaches: the message is traced once.
    if (tracedMessages.has(ctx.getArgs())) return next.handle();
    tracedMessages.add(ctx.getArgs());

    const attributes: Attributes = {
      [WebSocketAttributes.EVENT]: event,
      [WebSocketAttributes.DIRECTION]: 'inbound',
      ...clientAttributes(client),
    };
    const size = messageSize(payload);
    if (size !== undefined) attributes[WebSocketAttributes.MESSAGE_SIZE] = size;
    let outbound = 0;

    return runInSpan(
      {
        name: `websocket ${event}`,
        role: 'websocket',
        kind: SpanKind.SERVER,
        parent: messageParent(client, payload),
        attributes,
        attribution: this.attribution(client, payload),
        onChunk: (scope, reply) => {
          if (reply === undefined || reply === null) return;
          outbound += 1;
          recordOutbound(scope, reply);
        },
        onEnd: (scope) => scope.span.setAttribute(WebSocketAttributes.OUTBOUND_MESSAGES, outbound),
      },
      () => next.handle(),
    );
  }

  private attribution(client: unknown, payload: unknown): Attribution {
    const { attribution, payloadIds } = this.config.websocket;
    const ids = safeExecute('websocket.payloadIds', () => payloadIds(payload));
    const fromSocket = attribution ? safeExecute('websocket.attribution', () => attribution(client, payload)) : undefined;
    return { jobId: ids?.jobId, sessionId: ids?.sessionId, ...definedOnly(fromSocket) };
  }
}

function recordOutbound(scope: SpanScope, reply: unknown): void {
  const wsResponse = isWsResponse(reply);
  const event: Attributes = wsResponse ? { [WebSocketAttributes.EVENT]: reply.event } : {};
  const size = messageSize(wsResponse ? reply.data : reply);
  if (size !== undefined) event[WebSocketAttributes.MESSAGE_SIZE] = size;
  scope.span.addEvent(WS_OUTBOUND_EVENT, event);
}

function definedOnly(attribution: Attribution | undefined): Attribution {
  if (!attribution || typeof attribution !== 'object') return {};
  return Object.fromEntries(Object.entries(attribution).filter(([, value]) => value !== undefined && value !== null)) as Attribution;
}
