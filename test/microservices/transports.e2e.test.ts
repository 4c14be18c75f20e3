import 'reflect-metadata';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { AttributionAttributes, CostAttributes, MessagingAttributes } from '../../lib/index.js';
import { acmeCost } from '../propagation/fixtures/priced-work.js';
import { parentOf, spanNamed, waitForSpans } from '../support/tracing-harness.js';
import { startTransportApp, TRANSPORTS, type TransportApp, type TransportName } from './fixtures/transport-app.js';

/** Where each transport's server finds the trace context the client attached. */
function carrierSeenBy(transport: TransportName, context: unknown): { traceparent?: unknown; attribution?: unknown } {
  const c = context as {
    getMetadata?: () => Record<string, unknown> | undefined;
    getHeaders?: () => { get(key: string): string } | undefined;
    getMessage?: () => { properties: { headers?: Record<string, unknown> } };
  };
  switch (transport) {
    case 'tcp':
    case 'redis': {
      const metadata = c.getMetadata?.();
      return { traceparent: metadata?.traceparent, attribution: metadata?.['ai-tracing-attribution'] };
    }
    case 'nats': {
      const headers = c.getHeaders?.();
      return { traceparent: headers?.get('traceparent'), attribution: headers?.get('ai-tracing-attribution') };
    }
    case 'rabbitmq': {
      const headers = c.getMessage?.().properties.headers;
      return { traceparent: headers?.traceparent, attribution: headers?.['ai-tracing-attribution'] };
    }
  }
}

/** Each span is the parent of the next. */
function assertChain(spans: ReadableSpan[], ...chain: ReadableSpan[]): void {
  for (let i = 1; i < chain.length; i++) assert.equal(parentOf(spans, chain[i]!), chain[i - 1], `${chain[i]!.name} under ${chain[i - 1]!.name}`);
}

for (const transport of TRANSPORTS) {
  describe(`Nest microservices over ${transport} (hybrid app: HTTP + microservice)`, () => {
    let app: TransportApp;

    before(async () => {
      app = await startTransportApp(transport);
    });
    afterEach(() => app.traced.tracing.resetFinishedSpans());
    after(() => app?.close());

    async function post(path: string, body: unknown, user = 'alice'): Promise<{ status: number; body: unknown }> {
      const response = await fetch(`${app.traced.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': user },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
    }

    function assertMessaging(span: ReadableSpan, kind: SpanKind, pattern: string, operationType: string, operation: string): void {
      assert.equal(span.kind, kind, span.name);
      assert.equal(span.attributes[MessagingAttributes.SYSTEM], transport, span.name);
      assert.equal(span.attributes[MessagingAttributes.DESTINATION_NAME], pattern, span.name);
      assert.equal(span.attributes[MessagingAttributes.OPERATION_TYPE], operationType, span.name);
      assert.equal(span.attributes[MessagingAttributes.OPERATION_NAME], operation, span.name);
    }

    it('send: request -> CLIENT rpc span -> SERVER rpc span -> workflow -> provider, in one trace, for the caller', async () => {
      const reply = await post('/send', { text: 'ticket', inputTokens: 700, outputTokens: 70 });
      assert.deepEqual(reply, { status: 200, body: 'summary of ticket' });
      const { summarize } = app.patterns;
      const spans = await waitForSpans(app.traced.spans, (all) => all.some((s) => s.name === 'POST /send'));
      const request = spanNamed(spans, 'POST /send');
      const [client, server] = spans.filter((s) => s.name === `rpc ${summarize}`).sort((a, b) => a.kind - b.kind).reverse();
      assert.ok(client && server, `client and server spans: ${spans.map((s) => s.name).join(', ')}`);
      const workflow = spanNamed(spans, 'invoke_workflow summarize');
      const provider = spanNamed(spans, 'chat acme-1');
      assertMessaging(client, SpanKind.CLIENT, summarize, 'send', 'send');
      assertMessaging(server, SpanKind.SERVER, summarize, 'process', 'message');
      assertChain(spans, request, client, server, workflow, provider);
      assert.equal(new Set(spans.map((s) => s.spanContext().traceId)).size, 1);
      for (const span of [server, workflow, provider]) assert.equal(span.attributes[AttributionAttributes.USER_ID], 'alice', span.name);
      assert.equal(server.attributes[CostAttributes.TOTAL_USD], acmeCost(700, 70));
      assert.equal(server.status.code, SpanStatusCode.UNSET);
      // The client span ends with the reply, within the request.
      assert.ok(client.ended && request.ended);
    });

    it('emit without subscribing: request -> PRODUCER send span -> CONSUMER process span -> workflow -> provider', async () => {
      const reply = await post('/emit', { text: 'event', inputTokens: 50, outputTokens: 5 }, 'bob');
      assert.deepEqual(reply, { status: 202, body: { accepted: true } });
      const { notify } = app.patterns;
      // The PRODUCER span ends when the transport has taken the event (RabbitMQ: the broker's publish confirm),
      // which may come after the consumer has already handled it: wait for every span of the chain.
      const names = ['POST /emit', `send ${notify}`, `process ${notify}`, 'chat acme-1'];
      const spans = await waitForSpans(app.traced.spans, (all) => names.every((name) => all.some((s) => s.name === name)));
      const request = spanNamed(spans, 'POST /emit');
      const producer = spanNamed(spans, `send ${notify}`);
      const consumer = spanNamed(spans, `process ${notify}`);
      const workflow = spanNamed(spans, 'invoke_workflow summarize');
      assertMessaging(producer, SpanKind.PRODUCER, notify, 'send', 'emit');
      assertMessaging(consumer, SpanKind.CONSUMER, notify, 'process', 'event');
      assertChain(spans, request, producer, consumer, workflow);
      assert.equal(producer.status.code, SpanStatusCode.UNSET);
      for (const span of [consumer, workflow, spanNamed(spans, 'chat acme-1')]) assert.equal(span.attributes[AttributionAttributes.USER_ID], 'bob', span.name);
      assert.equal(consumer.attributes[CostAttributes.TOTAL_USD], acmeCost(50, 5));
    });

    it(`carries the context where the ${transport} server reads it, and the data arrives untouched`, async () => {
      const data = { nested: { list: [1, 'two', null] }, headers: 'not ours', metadata: 'not ours either' };
      await post('/echo', data, 'carol');
      const seen = app.received.at(-1)!;
      assert.deepEqual(seen.data, data);
      const carrier = carrierSeenBy(transport, seen.context);
      const spans = await waitForSpans(app.traced.spans, (all) => all.filter((s) => s.name === `rpc ${app.patterns.echo}`).length === 2);
      const client = spans.find((s) => s.kind === SpanKind.CLIENT && s.name === `rpc ${app.patterns.echo}`)!;
      assert.equal(carrier.traceparent, `00-${client.spanContext().traceId}-${client.spanContext().spanId}-01`);
      assert.equal(carrier.attribution, 'userId=carol');
    });
  });
}
