import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { WsAdapter } from '@nestjs/platform-ws';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { WAIT_MS, within } from './waits.js';

/** The gateway adapters every WebSocket suite runs against. */
export const ADAPTERS = ['socket.io', 'ws'] as const;
export type Adapter = (typeof ADAPTERS)[number];

/** The Nest WebSocket adapter of `adapter` for `app` (`app.useWebSocketAdapter(wsAdapter(...))`). */
export function wsAdapter(adapter: Adapter, app: INestApplication): IoAdapter | WsAdapter {
  return adapter === 'socket.io' ? new IoAdapter(app) : new WsAdapter(app);
}

/**
 * A connected test client speaking one adapter's protocol. Every wait has a deadline (`WAIT_MS` unless given):
 * a message that never comes fails with the event it waited for, never hangs the test.
 */
export interface TestClient {
  /** Sends `event` and resolves with the data of the first `replyEvent` received after it. */
  request(event: string, data: unknown, replyEvent: string, timeoutMs?: number): Promise<unknown>;
  /** Resolves with the data of the next `count` messages named `event` (call it before triggering them). */
  collect(event: string, count: number, timeoutMs?: number): Promise<unknown[]>;
  send(event: string, data: unknown): void;
  close(): void;
}

/** Where and how a test client connects. */
export interface ConnectOptions {
  /** socket.io namespace (`/jobs`); ignored by `ws`, which has none. @default '/' */
  namespace?: string;
  /** Handshake headers (`traceparent`...). */
  headers?: Record<string, string>;
  /** Deadline of the connection itself. */
  timeoutMs?: number;
}

/** Connects to the app at `url` (`http://127.0.0.1:port`). */
export async function connect(adapter: Adapter, url: string, options: ConnectOptions = {}): Promise<TestClient> {
  return adapter === 'socket.io' ? connectIo(url, options) : connectWs(url, options);
}

/** Collects `count` messages of `event` delivered through `subscribe` (which returns its unsubscribe). */
function collector(adapter: Adapter, subscribe: (event: string, deliver: (data: unknown) => void) => () => void) {
  return (event: string, count: number, timeoutMs = WAIT_MS): Promise<unknown[]> => {
    const received: unknown[] = [];
    let unsubscribe: () => void = () => undefined;
    const done = new Promise<unknown[]>((resolve) => {
      unsubscribe = subscribe(event, (data) => {
        received.push(data);
        if (received.length < count) return;
        unsubscribe();
        resolve(received);
      });
    });
    return within(done, `${count} "${event}" message(s) on the ${adapter} client`, timeoutMs, () => {
      unsubscribe();
      return `got ${received.length}`;
    });
  };
}

async function connectIo(url: string, options: ConnectOptions): Promise<TestClient> {
  const namespace = options.namespace && options.namespace !== '/' ? options.namespace : '';
  const socket: Socket = io(`${url}${namespace}`, {
    transports: ['websocket'],
    extraHeaders: options.headers ?? {},
    forceNew: true,
    reconnection: false,
  });
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  await within(connected, `the socket.io connection to ${url}${namespace}`, options.timeoutMs, () => void socket.close());
  const collect = collector('socket.io', (event, deliver) => {
    socket.on(event, deliver);
    return () => void socket.off(event, deliver);
  });
  return {
    collect,
    async request(event, data, replyEvent, timeoutMs) {
      const reply = collect(replyEvent, 1, timeoutMs);
      socket.emit(event, data);
      return (await reply)[0];
    },
    send: (event, data) => void socket.emit(event, data),
    close: () => void socket.close(),
  };
}

async function connectWs(url: string, options: ConnectOptions): Promise<TestClient> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), { headers: options.headers ?? {} });
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  await within(opened, `the ws connection to ${url}`, options.timeoutMs, () => void socket.terminate());
  const collect = collector('ws', (event, deliver) => {
    const listener = (raw: WebSocket.RawData) => {
      const message = JSON.parse(raw.toString()) as { event: string; data: unknown };
      if (message.event === event) deliver(message.data);
    };
    socket.on('message', listener);
    return () => void socket.off('message', listener);
  });
  const send = (event: string, data: unknown) => socket.send(JSON.stringify({ event, data }));
  return {
    collect,
    async request(event, data, replyEvent, timeoutMs) {
      const reply = collect(replyEvent, 1, timeoutMs);
      send(event, data);
      return (await reply)[0];
    },
    send,
    close: () => socket.close(),
  };
}
