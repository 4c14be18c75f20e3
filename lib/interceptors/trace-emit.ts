import { SpanKind, type Attributes } from '@opentelemetry/api';
import { getRuntime } from '../core/runtime.js';
import { runInSpan } from '../core/span-engine.js';
import { WebSocketAttributes } from '../semconv.js';
import { matchesAny } from './pattern-match.js';
import { clientAttributes, isNativeWebSocket, messageSize } from './ws-message.js';

/**
 * Where a server-initiated message goes: a socket.io `Socket`, `Namespace`, `Server` or broadcast operator
 * (`server.to(room)`), anything with `emit(event, data)`; or a `ws` WebSocket, which gets Nest's
 * `{ event, data }` JSON frame.
 */
export type WsEmitTarget = { emit(event: string, ...args: unknown[]): unknown } | { send(data: string): void; readyState: number };

/**
 * Sends `event` with `data` to `target` and traces it: a PRODUCER span `websocket emit {event}` with
 * `websocket.direction`=`outbound`, the event, message size, client id and namespace, in the current trace
 * (under the message, request or job that emits; a new trace outside of any). For job progress, streamed chat
 * tokens and other messages a handler did not return. Returns what the target's `emit` returned (`true` for
 * a `ws` socket that was open). Sent untraced when `websocket.enabled` is false or `websocket.ignoreEvents`
 * matches `event`.
 * @example
 * @TraceNode({ nodeType: 'render' })
 * async render(job: Job, client: Socket) {
 *   for await (const token of this.llm.stream(job.prompt)) traceEmit(client, 'token', { jobId: job.id, token });
 * }
 */
export function traceEmit(target: WsEmitTarget, event: string, data?: unknown): boolean {
  const websocket = getRuntime().websocket;
  if (websocket && (!websocket.enabled || matchesAny(event, websocket.ignoreEvents))) return send(target, event, data);
  const attributes: Attributes = {
    [WebSocketAttributes.EVENT]: event,
    [WebSocketAttributes.DIRECTION]: 'outbound',
    ...clientAttributes(target),
  };
  const size = messageSize(data);
  if (size !== undefined) attributes[WebSocketAttributes.MESSAGE_SIZE] = size;
  return runInSpan({ name: `websocket emit ${event}`, role: 'websocket', kind: SpanKind.PRODUCER, attributes }, () => send(target, event, data));
}

function send(target: WsEmitTarget, event: string, data: unknown): boolean {
  if (isNativeWebSocket(target)) {
    // Nest's WsAdapter frame; only an OPEN socket (readyState 1) can send.
    if (target.readyState !== 1) return false;
    target.send(JSON.stringify({ event, data }));
    return true;
  }
  return (target as { emit(event: string, ...args: unknown[]): unknown }).emit(event, data) !== false;
}
