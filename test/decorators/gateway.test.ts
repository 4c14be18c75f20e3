import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { WsAdapter } from '@nestjs/platform-ws';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { createAuditedApp, type AuditedApp } from '../core/fixtures/span-audit.js';
import { spanNamed, waitForSpans } from '../support/tracing-harness.js';
import { ChatGateway } from './fixtures/chat.gateway.js';
import { DenyGuard } from './fixtures/guarded.controller.js';

/** One connected client of either kind: send an event, receive `count` messages of an event. */
interface ChatClient {
  request(event: string, data: unknown, reply: string, count?: number): Promise<unknown[]>;
  close(): void;
}

async function wsClient(url: string): Promise<ChatClient> {
  const socket = new WebSocket(url.replace('http', 'ws'));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return {
    request: (event, data, reply, count = 1) =>
      new Promise((resolve) => {
        const received: unknown[] = [];
        const onMessage = (raw: WebSocket.RawData) => {
          const message = JSON.parse(raw.toString()) as { event: string; data: unknown };
          if (message.event !== reply) return;
          received.push(message.data);
          if (received.length === count) {
            socket.off('message', onMessage);
            resolve(received);
          }
        };
        socket.on('message', onMessage);
        socket.send(JSON.stringify({ event, data }));
      }),
    close: () => socket.close(),
  };
}

async function ioClient(url: string): Promise<ChatClient> {
  const socket: Socket = io(url, { transports: ['websocket'], forceNew: true });
  await new Promise((resolve, reject) => socket.once('connect', () => resolve(undefined)).once('connect_error', reject));
  return {
    request: (event, data, reply, count = 1) =>
      new Promise((resolve) => {
        const received: unknown[] = [];
        const onReply = (payload: unknown) => {
          received.push(payload);
          if (received.length === count) {
            socket.off(reply, onReply);
            resolve(received);
          }
        };
        socket.on(reply, onReply);
        socket.emit(event, data);
      }),
    close: () => socket.close(),
  };
}

const KINDS = [
  { name: 'ws', adapter: (app: INestApplication) => new WsAdapter(app), connect: wsClient },
  { name: 'socket.io', adapter: (app: INestApplication) => new IoAdapter(app), connect: ioClient },
] as const;

let app: AuditedApp | undefined;
let client: ChatClient | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  try {
    app?.assertAllEndedOnce();
  } finally {
    await app?.close();
    app = undefined;
  }
});

for (const kind of KINDS) {
  describe(`@SubscribeMessage handlers with trace decorators (${kind.name})`, () => {
    async function start(): Promise<ChatClient> {
      ChatGateway.calls = 0;
      app = await createAuditedApp({
        providers: [ChatGateway, DenyGuard],
        listen: true,
        configure: (nest) => void nest.useWebSocketAdapter(kind.adapter(nest)),
      });
      client = await kind.connect(app.url);
      return client;
    }

    it('trace decorator below @SubscribeMessage: the handler receives the message and answers', async () => {
      const chat = await start();
      assert.deepEqual(await chat.request('above', { text: 'hi', jobId: 'job-1' }, 'above'), ['HI']);
      const spans = await waitForSpans(app!.spans, (s) => s.some((span) => span.name === 'invoke_workflow ws-above'));
      const workflow = spanNamed(spans, 'invoke_workflow ws-above');
      assert.equal(workflow.attributes['workflow.job_id'], 'job-1');
      assert.equal(workflow.attributes['workflow.status'], 'completed');
    });

    it('trace decorator above @SubscribeMessage (async handler, @ConnectedSocket)', async () => {
      const chat = await start();
      assert.deepEqual(await chat.request('below', { text: 'yo' }, 'below'), ['yo (client known)']);
      await waitForSpans(app!.spans, (s) => s.some((span) => span.name === 'execute_tool ws-below'));
    });

    it('an Observable answer streams every message; the span ends when it completes', async () => {
      const chat = await start();
      assert.deepEqual(await chat.request('count', 3, 'count', 3), [1, 2, 3]);
      await waitForSpans(app!.spans, (s) => s.some((span) => span.name === 'node count'));
    });

    it('guards still apply to traced handlers', async () => {
      const chat = await start();
      // Both adapters answer a later, allowed message: the denied one never ran.
      void chat.request('denied', {}, 'denied');
      assert.deepEqual(await chat.request('above', { text: 'after', jobId: 'j' }, 'above'), ['AFTER']);
      assert.equal(ChatGateway.calls, 1, 'only the allowed handler ran');
      assert.equal(app!.spans().some((span) => span.name === 'invoke_workflow ws-denied'), false);
    });
  });
}
