import 'reflect-metadata';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { AttributionAttributes, HttpAttributes, WebSocketAttributes, WorkflowAttributes, WS_OUTBOUND_EVENT } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { childrenOf, createTracedApp, parentOf, PLATFORMS, spanNamed, waitForSpans, type TracedApp } from '../support/tracing-harness.js';
import { ADAPTERS, connect, wsAdapter, type TestClient } from '../support/ws-clients.js';
import { AssistantService } from './fixtures/assistant.service.js';
import { IoJobsGateway, WsJobsGateway } from './fixtures/jobs.gateway.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

/** Every gateway adapter on both HTTP platforms: the gateway shares the platform's HTTP server. */
const SETUPS = PLATFORMS.flatMap((platform) => ADAPTERS.map((adapter) => ({ platform, adapter })));

for (const { platform, adapter } of SETUPS) {
  describe(`WebSocket tracing with ${adapter} on ${platform}`, () => {
    let traced: TracedApp;
    let client: TestClient;

    before(async () => {
      traced = await createTracedApp({
        platform,
        providers: [AssistantService, adapter === 'socket.io' ? IoJobsGateway : WsJobsGateway],
        tracing: {
          websocket: {
            ignoreEvents: ['ping', /^typing:/],
            attribution: (socket) => ({ userId: (socket as { user?: { id: string } }).user?.id }),
          },
        },
        configure: (app) => {
          app.useWebSocketAdapter(wsAdapter(adapter, app));
        },
      });
    });

    after(() => traced.close());

    beforeEach(async () => {
      traced.tracing.resetFinishedSpans();
      client = await connect(adapter, traced.url, { namespace: '/jobs' });
    });

    afterEach(() => client.close());

    async function messageSpans(event: string, count = 1): Promise<{ all: ReadableSpan[]; found: ReadableSpan[] }> {
      const name = `websocket ${event}`;
      const all = await waitForSpans(traced.spans, (spans) => spans.filter((s) => s.name === name).length >= count);
      return { all, found: all.filter((s) => s.name === name) };
    }

    it('traces an inbound message: event, direction, size, client, job and session ids, as the root of nested services', async () => {
      const message = { job_id: 'job-1', thread_id: 'thread-9', prompt: 'hello' };
      assert.deepEqual(await client.request('run', message, 'done'), { answer: 'echo: hello' });
      const { all, found } = await messageSpans('run');
      const span = found[0]!;
      assert.equal(span.kind, SpanKind.SERVER);
      assert.equal(span.parentSpanContext, undefined);
      assert.equal(span.attributes[WebSocketAttributes.EVENT], 'run');
      assert.equal(span.attributes[WebSocketAttributes.DIRECTION], 'inbound');
      assert.equal(span.attributes[WebSocketAttributes.MESSAGE_SIZE], Buffer.byteLength(JSON.stringify(message)));
      assert.equal(typeof span.attributes[WebSocketAttributes.CLIENT_ID], 'string');
      assert.equal(span.attributes[WebSocketAttributes.NAMESPACE], adapter === 'socket.io' ? '/jobs' : undefined);
      assert.equal(span.status.code, SpanStatusCode.UNSET);

      const provider = spanNamed(all, 'chat gpt-4o-mini');
      const workflow = spanNamed(all, 'invoke_workflow answer');
      assert.equal(parentOf(all, provider), workflow);
      assert.equal(parentOf(all, workflow), span);
      for (const s of [span, workflow, provider]) {
        assert.equal(s.attributes[WorkflowAttributes.JOB_ID], 'job-1', s.name);
        assert.equal(s.attributes[AttributionAttributes.SESSION_ID], 'thread-9', s.name);
        assert.equal(s.attributes[AttributionAttributes.USER_ID], 'u-7', s.name);
      }
      assert.deepEqual(outbound(span), [{ [WebSocketAttributes.EVENT]: 'done', [WebSocketAttributes.MESSAGE_SIZE]: Buffer.byteLength(JSON.stringify({ answer: 'echo: hello' })) }]);
      assert.equal(span.attributes[WebSocketAttributes.OUTBOUND_MESSAGES], 1);
    });

    it('records a streamed reply message by message and ends the span when the stream completes', async () => {
      const tokens = client.collect('token', 3);
      client.send('stream', { prompt: 'one two three' });
      assert.deepEqual(await tokens, [{ token: 'one' }, { token: 'two' }, { token: 'three' }]);
      const span = (await messageSpans('stream')).found[0]!;
      assert.equal(span.attributes[WebSocketAttributes.OUTBOUND_MESSAGES], 3);
      assert.deepEqual(
        outbound(span).map((e) => e[WebSocketAttributes.EVENT]),
        ['token', 'token', 'token'],
      );
    });

    it('traces server-initiated emits as outbound PRODUCER spans in the message trace', async () => {
      const progress = client.collect('progress', 2);
      assert.deepEqual(await client.request('progress', {}, 'finished'), { steps: 2 });
      assert.deepEqual(await progress, [{ pct: 50 }, { pct: 100 }]);
      const { all, found } = await messageSpans('progress');
      const emits = childrenOf(all, found[0]!);
      assert.deepEqual(
        emits.map((s) => [s.name, s.kind, s.attributes[WebSocketAttributes.DIRECTION], s.attributes[WebSocketAttributes.MESSAGE_SIZE]]),
        [
          ['websocket emit progress', SpanKind.PRODUCER, 'outbound', Buffer.byteLength('{"pct":50}')],
          ['websocket emit progress', SpanKind.PRODUCER, 'outbound', Buffer.byteLength('{"pct":100}')],
        ],
      );
      assert.equal(emits[0]!.attributes[WebSocketAttributes.CLIENT_ID], found[0]!.attributes[WebSocketAttributes.CLIENT_ID]);
    });

    it('marks a thrown WsException ERROR while the client still gets its exception event', async () => {
      const reply = (await client.request('fail', { job_id: 'job-2' }, 'exception')) as { status: string; message: string };
      assert.equal(reply.status, 'error');
      assert.equal(reply.message, 'job rejected');
      const span = (await messageSpans('fail')).found[0]!;
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(span.attributes[HttpAttributes.ERROR_TYPE], 'WsException');
      assert.equal(span.events.filter((e) => e.name === 'exception').length, 1);
    });

    it('joins the caller trace from a traceparent in the payload', async () => {
      await client.request('run', { prompt: 'hi', traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` }, 'done');
      const span = (await messageSpans('run')).found[0]!;
      assert.equal(span.spanContext().traceId, TRACE_ID);
      assert.equal(span.parentSpanContext?.spanId, CALLER_SPAN_ID);
    });

    it('gives two messages on one connection separate traces', async () => {
      await client.request('run', { prompt: 'first' }, 'done');
      await client.request('run', { prompt: 'second' }, 'done');
      const [first, second] = (await messageSpans('run', 2)).found;
      assert.equal(first!.parentSpanContext, undefined);
      assert.equal(second!.parentSpanContext, undefined);
      assert.notEqual(first!.spanContext().traceId, second!.spanContext().traceId);
      assert.equal(first!.attributes[WebSocketAttributes.CLIENT_ID], second!.attributes[WebSocketAttributes.CLIENT_ID]);
    });

    it('does not trace ignored events (string and RegExp) nor @NoTrace handlers', async () => {
      assert.equal(await client.request('ping', {}, 'pong'), 'ok');
      assert.equal(await client.request('typing:start', {}, 'typing'), 'ok');
      assert.equal(await client.request('quiet', {}, 'quieted'), 'ok');
      await client.request('run', { prompt: 'after' }, 'done');
      const { all } = await messageSpans('run');
      assert.deepEqual(
        all.filter((s) => s.name.startsWith('websocket')).map((s) => s.name),
        ['websocket run'],
      );
    });

    if (adapter === 'socket.io') {
      it('joins the trace of a traceparent sent in the socket.io handshake headers', async () => {
        const withHeader = await connect(adapter, traced.url, { namespace: '/jobs', headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` } });
        try {
          await withHeader.request('run', { prompt: 'hi' }, 'done');
        } finally {
          withHeader.close();
        }
        const span = (await messageSpans('run')).found[0]!;
        assert.equal(span.spanContext().traceId, TRACE_ID);
        assert.equal(span.parentSpanContext?.spanId, CALLER_SPAN_ID);
      });
    }
  });
}

for (const adapter of ADAPTERS) {
  describe(`websocket.payloadIds: job and session ids read from the payload by the app (${adapter})`, () => {
    const apps = tracedAppPerTest({
      providers: [AssistantService, adapter === 'socket.io' ? IoJobsGateway : WsJobsGateway],
      configure: (app) => {
        app.useWebSocketAdapter(wsAdapter(adapter, app));
      },
    });

    async function runWith(payloadIds: (payload: unknown) => { jobId?: string; sessionId?: string } | undefined): Promise<ReadableSpan[]> {
      const app = await apps.boot({ tracing: { websocket: { payloadIds } } });
      const client = await connect(adapter, app.url, { namespace: '/jobs' });
      apps.defer(() => client.close());
      const message = { meta: { job: 'job-custom', conversation: 'conv-3' }, job_id: 'job-default', thread_id: 'thread-default', prompt: 'hi' };
      assert.deepEqual(await client.request('run', message, 'done'), { answer: 'echo: hi' });
      return waitForSpans(app.spans, (spans) => spans.some((s) => s.name === 'websocket run'));
    }

    it("reads them with the app's reader instead of the default fields", async () => {
      const spans = await runWith((payload) => {
        const meta = (payload as { meta?: { job?: string; conversation?: string } }).meta;
        return { jobId: meta?.job, sessionId: meta?.conversation };
      });
      for (const name of ['websocket run', 'invoke_workflow answer', 'chat gpt-4o-mini']) {
        const span = spanNamed(spans, name);
        assert.equal(span.attributes[WorkflowAttributes.JOB_ID], 'job-custom', name);
        assert.equal(span.attributes[AttributionAttributes.SESSION_ID], 'conv-3', name);
      }
    });

    it('a throwing reader costs the ids only: the message is still answered and traced', async () => {
      const spans = await runWith(() => {
        throw new Error('payload reader bug');
      });
      const span = spanNamed(spans, 'websocket run');
      assert.equal(span.attributes[WorkflowAttributes.JOB_ID], undefined);
      assert.equal(span.attributes[AttributionAttributes.SESSION_ID], undefined);
      assert.equal(span.status.code, SpanStatusCode.UNSET);
    });
  });
}

function outbound(span: ReadableSpan): Array<Record<string, unknown>> {
  return span.events.filter((e) => e.name === WS_OUTBOUND_EVENT).map((e) => ({ ...e.attributes }));
}
