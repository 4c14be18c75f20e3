import { randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';

/** A W3C trace context the client starts, so it knows each trace id before the server sees the call. */
export interface ClientTrace {
  traceId: string;
  traceparent: string;
}

/** A new sampled trace context. */
export function newTrace(): ClientTrace {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

/** An HTTP answer: status and parsed JSON body. */
export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
}

/** Sends `body` as JSON as `user`, in the client trace `trace`. */
export async function postJson<T>(url: string, body: unknown, user: string, trace: ClientTrace): Promise<HttpAnswer<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': user, 'x-tenant-id': tenantOf(user), traceparent: trace.traceparent },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** GETs JSON as `user`. */
export async function getJson<T>(url: string, user: string): Promise<HttpAnswer<T>> {
  const response = await fetch(url, { headers: { 'x-user-id': user, 'x-tenant-id': tenantOf(user) } });
  return { status: response.status, body: (await response.json()) as T };
}

/** Connects to the `/assistant` namespace as `user`. */
export async function connectAssistant(baseUrl: string, user: string): Promise<Socket> {
  const socket = io(`${baseUrl}/assistant`, { auth: { userId: user, tenantId: tenantOf(user) }, transports: ['websocket'], forceNew: true, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Resolves with the first `event` whose payload passes `match`; rejects after `timeoutMs`. */
export function nextEvent<T>(socket: Socket, event: string, match: (data: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no "${event}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (data: T) => {
      if (!match(data)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(data);
    };
    socket.on(event, listener);
  });
}

/** The demo's two users belong to two customer tenants. */
export function tenantOf(user: string): string {
  return user === 'alice' ? 'acme' : 'globex';
}
