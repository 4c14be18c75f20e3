import { propagation, ROOT_CONTEXT, type Attributes, type Context } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { WebSocketAttributes } from '../semconv.js';

interface SocketIoLike {
  id?: unknown;
  nsp?: { name?: unknown };
  name?: unknown;
  handshake?: { headers?: unknown; auth?: unknown };
}

/** Ids given to `ws` clients, which have none of their own, so one connection's messages can be grouped. */
const wsClientIds = new WeakMap<object, string>();

/**
 * The trace a message joins: a `traceparent` (+ `tracestate`) field of the payload, else the socket.io
 * handshake's headers or `auth` object, else none (a new trace). Never the context the socket lives in, so
 * messages of one long-lived connection never pile up under one span.
 */
export function messageParent(client: unknown, payload: unknown): Context {
  const carrier = traceCarrier(payload) ?? handshakeCarrier(client);
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
}

/** Client id (socket.io's, or one assigned per `ws` connection) and socket.io namespace. */
export function clientAttributes(client: unknown): Attributes {
  const attributes: Attributes = {};
  if (typeof client !== 'object' || client === null) return attributes;
  const id = clientId(client);
  if (id !== undefined) attributes[WebSocketAttributes.CLIENT_ID] = id;
  const namespace = namespaceOf(client);
  if (namespace !== undefined) attributes[WebSocketAttributes.NAMESPACE] = namespace;
  return attributes;
}

/** Bytes of a message payload as JSON (binary payloads: their length); undefined when not serialisable. */
export function messageSize(payload: unknown): number | undefined {
  if (payload === undefined) return 0;
  if (payload instanceof ArrayBuffer) return payload.byteLength;
  if (ArrayBuffer.isView(payload)) return payload.byteLength;
  try {
    const json = JSON.stringify(payload);
    return json === undefined ? 0 : Buffer.byteLength(json);
  } catch {
    return undefined;
  }
}

/** Whether `value` is a Nest `WsResponse` (`{ event, data }`), which the adapters send as an event. */
export function isWsResponse(value: unknown): value is { event: string; data: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { event?: unknown }).event === 'string';
}

function clientId(client: object): string | undefined {
  const id = (client as SocketIoLike).id;
  if (typeof id === 'string' && id !== '') return id;
  if (!isNativeWebSocket(client)) return undefined;
  let assigned = wsClientIds.get(client);
  if (!assigned) {
    assigned = randomUUID();
    wsClientIds.set(client, assigned);
  }
  return assigned;
}

function namespaceOf(target: object): string | undefined {
  const nsp = (target as SocketIoLike).nsp?.name;
  if (typeof nsp === 'string') return nsp;
  // A socket.io Namespace itself (server.of('/chat')) carries its name directly.
  const name = (target as SocketIoLike).name;
  return typeof name === 'string' && 'sockets' in target ? name : undefined;
}

/** A `ws` WebSocket: numeric `readyState` and `send`, as Nest's own exception filter tells them apart. */
export function isNativeWebSocket(client: unknown): client is { send(data: string): void; readyState: number } {
  const c = client as { readyState?: unknown; send?: unknown } | null;
  return typeof c === 'object' && c !== null && typeof c.readyState === 'number' && typeof c.send === 'function';
}

function traceCarrier(source: unknown): Record<string, string> | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const { traceparent, tracestate } = source as { traceparent?: unknown; tracestate?: unknown };
  if (typeof traceparent !== 'string') return undefined;
  return typeof tracestate === 'string' ? { traceparent, tracestate } : { traceparent };
}

function handshakeCarrier(client: unknown): Record<string, string> | undefined {
  const handshake = (client as SocketIoLike | null)?.handshake;
  if (!handshake) return undefined;
  return traceCarrier(handshake.headers) ?? traceCarrier(handshake.auth);
}
