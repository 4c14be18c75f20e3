import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller, Get, Headers } from '@nestjs/common';
import { context, propagation, trace } from '@opentelemetry/api';
import { TracingConfigError, TracingModule, type TracingModuleOptions } from '../../lib/index.js';
import { resolveTracingConfig } from '../../lib/config/resolve-config.js';
import { loadOptionalPeer } from '../../lib/sdk/optional-peer.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { envOf } from '../support/env.js';
import { RecordingExporter } from '../support/recording-exporter.js';
import { spanNamed, waitForSpans, type TracedApp } from '../support/tracing-harness.js';
import { waitFor } from '../support/waits.js';
import { decodeJsonExport, decodeProtobufExport, flattenSpans } from './fixtures/otlp-decode.js';
import { startOtlpGrpcReceiver, type OtlpGrpcReceiver } from './fixtures/otlp-grpc-receiver.js';
import { startOtlpReceiver, type OtlpReceiver } from './fixtures/otlp-receiver.js';

/** Three spans under one root, as any traced call would make. */
function traceSome(traced: TracedApp, prefix: string): void {
  traced.tracing.withSpan(`${prefix} root`, () => {
    traced.tracing.withSpan(`${prefix} a`, () => undefined);
    traced.tracing.withSpan(`${prefix} b`, () => undefined);
  });
}

@Controller('propagation')
class PropagationController {
  /** Echoes the trace the request joined and the headers an outgoing call would carry. */
  @Get()
  read(@Headers() headers: Record<string, string>): { traceId: string | undefined; outgoing: Record<string, string>; incoming: string[] } {
    const outgoing: Record<string, string> = {};
    propagation.inject(context.active(), outgoing);
    return { traceId: trace.getActiveSpan()?.spanContext().traceId, outgoing, incoming: Object.keys(headers) };
  }
}

const apps = tracedAppPerTest({ controllers: [PropagationController] });

/** Closes `receiver` once the test's apps are closed. */
function closeAfter<R extends OtlpReceiver | OtlpGrpcReceiver>(receiver: R): R {
  apps.cleanup(() => receiver.close());
  return receiver;
}

function boot(options: TracingModuleOptions = {}, env: Record<string, string> = {}): Promise<TracedApp> {
  apps.env(env);
  return apps.boot({ tracingModule: TracingModule.forRoot(options), listen: false });
}

describe('several exporters at once', () => {
  it('OTEL_TRACES_EXPORTER=otlp,console delivers every span to both', async () => {
    const receiver = await startOtlpReceiver();
    closeAfter(receiver);
    const printed: Array<{ name?: unknown }> = [];
    const dir = console.dir;
    console.dir = (item: unknown) => void printed.push(item as { name?: unknown });
    try {
      const traced = await boot({}, {
        OTEL_TRACES_EXPORTER: 'otlp,console',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      });
      traceSome(traced, 'both');
      await traced.close();
    } finally {
      console.dir = dir;
    }
    const names = ['both root', 'both a', 'both b'];
    const exported = flattenSpans(receiver.received.map((r) => decodeJsonExport(r.body))).map((s) => s.name);
    assert.deepEqual([...exported].sort(), [...names].sort(), 'the collector got every span once');
    assert.deepEqual(printed.map((p) => p.name).sort(), [...names].sort(), 'the console got every span once');
  });

  it('a backend that hangs does not hold up another exporter', async () => {
    const hanging = await startOtlpReceiver('hang');
    closeAfter(hanging);
    // Answered before the teardown closes the app, so that close is not left to the shutdown timeout.
    apps.defer(() => hanging.release());
    const fast = new RecordingExporter();
    const traced = await boot({
      exporter: ['otlp', fast],
      otlp: { endpoint: hanging.tracesUrl, timeoutMillis: 60_000 },
      batch: { scheduledDelayMillis: 10, exportTimeoutMillis: 60_000 },
    });
    traceSome(traced, 'first');
    await waitForSpans(() => fast.exported, (spans) => spans.length === 3);
    traceSome(traced, 'second');
    await waitForSpans(() => fast.exported, (spans) => spans.length === 6);
    // The OTLP export of the first batch is still waiting for an answer that never comes.
    // The OTLP request goes over a socket: the receiver may read it after the fast exporter's second batch.
    await waitFor('the hanging backend to get a request', () => (hanging.received.length >= 1 ? true : undefined), { timeoutMs: 5000 });
    const [otlp, own] = traced.tracing.health().exporters;
    assert.equal(otlp?.name, 'otlp');
    assert.equal(otlp?.exported, 0);
    assert.ok(otlp!.exporting + otlp!.queued === 6, `otlp holds all 6 spans (${otlp!.exporting} exporting, ${otlp!.queued} queued)`);
    assert.equal(own?.name, 'RecordingExporter');
    assert.equal(own?.exported, 6);
    assert.equal(traced.tracing.health().status, 'ready', 'nothing has failed yet');
  });

  it('an exporter list mixes names and instances; each gets every span', async () => {
    const one = new RecordingExporter();
    const two = new RecordingExporter();
    const traced = await boot({ exporter: ['memory', one, two] });
    traceSome(traced, 'mixed');
    await traced.tracing.forceFlush();
    assert.equal(traced.spans().length, 3);
    assert.equal(one.exported.length, 3);
    assert.equal(two.exported.length, 3);
    assert.deepEqual(
      traced.tracing.health().exporters.map((e) => [e.name, e.exported]),
      [['memory', 3], ['RecordingExporter', 3], ['RecordingExporter', 3]],
    );
  });
});

describe('OTLP over gRPC', () => {
  it('exports to a real gRPC collector, headers as metadata', async () => {
    const receiver = await startOtlpGrpcReceiver();
    closeAfter(receiver);
    const traced = await boot({ serviceName: 'grpc-e2e' }, {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cret',
    });
    assert.deepEqual(traced.tracing.health().exporters.map((e) => [e.name, e.endpoint]), [['otlp', receiver.url]]);
    traceSome(traced, 'grpc');
    await traced.tracing.forceFlush();
    const spans = flattenSpans(receiver.traces.map((r) => decodeProtobufExport(r.body)));
    assert.deepEqual(spans.map((s) => s.name).sort(), ['grpc a', 'grpc b', 'grpc root']);
    const root = spans.find((s) => s.name === 'grpc root')!;
    assert.ok(spans.filter((s) => s !== root).every((s) => s.parentSpanId === root.spanId));
    assert.equal(root.resource['service.name'], 'grpc-e2e');
    assert.deepEqual(receiver.traces[0]!.metadata.get('x-api-key'), ['s3cret']);
    assert.equal(traced.tracing.health().exporters[0]!.exported, 3);
  });

  it('a collector answering UNAVAILABLE counts the spans as failed and the exporter as failing', async () => {
    const receiver = await startOtlpGrpcReceiver('unavailable');
    closeAfter(receiver);
    const traced = await boot({ otlp: { protocol: 'grpc', endpoint: receiver.url, timeoutMillis: 300 } });
    traceSome(traced, 'refused');
    await traced.tracing.forceFlush();
    const [otlp] = traced.tracing.health().exporters;
    assert.equal(otlp?.status, 'failing');
    assert.equal(otlp?.failed, 3);
    assert.equal(otlp?.exported, 0);
    assert.equal(traced.tracing.health().status, 'degraded');
  });

  it('defaults to port 4317 and takes OTEL_EXPORTER_OTLP_ENDPOINT as is', () => {
    const resolve = (env: Record<string, string>) => resolveTracingConfig({}, envOf(env), false, false).otlp;
    assert.equal(resolve({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).endpoint, 'http://localhost:4317');
    assert.equal(resolve({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317' }).endpoint, 'http://collector:4317');
    assert.equal(resolve({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).protocol, 'grpc');
    assert.equal(resolve({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).endpoint, 'http://collector:4318/v1/traces');
  });

  it('a missing gRPC exporter package is one bootstrap error saying what to install', () => {
    assert.throws(
      () => loadOptionalPeer('@opentelemetry/exporter-trace-otlp-grpc-not-installed', 'otlp.protocol'),
      (error: unknown) =>
        error instanceof TracingConfigError &&
        error.message.startsWith(
          'nestjs-ai-tracing: OTLP over gRPC (otlp.protocol=grpc) needs the optional peer dependency ' +
            '@opentelemetry/exporter-trace-otlp-grpc-not-installed: run `npm install @opentelemetry/exporter-trace-otlp-grpc-not-installed`',
        ),
    );
  });
});

describe('OTEL_PROPAGATORS', () => {
  const TRACE_ID = '80f198ee56343ba864fe8b2a57d3eff7';
  const PARENT_ID = 'e457b5a2e4d86bd1';

  async function request(env: Record<string, string>, headers: Record<string, string>) {
    apps.env(env);
    const app = await apps.boot();
    const response = await fetch(`${app.url}/propagation`, { headers });
    return (await response.json()) as { traceId: string; outgoing: Record<string, string> };
  }

  it('b3multi: X-B3-* headers are read and written', async () => {
    const body = await request(
      { OTEL_PROPAGATORS: 'b3multi' },
      { 'X-B3-TraceId': TRACE_ID, 'X-B3-SpanId': PARENT_ID, 'X-B3-Sampled': '1' },
    );
    assert.equal(body.traceId, TRACE_ID, 'the request joined the B3 trace');
    assert.equal(body.outgoing['x-b3-traceid'], TRACE_ID);
    assert.match(body.outgoing['x-b3-spanid'] ?? '', /^[0-9a-f]{16}$/);
    assert.notEqual(body.outgoing['x-b3-spanid'], PARENT_ID, 'the outgoing parent is the server span');
    assert.equal(body.outgoing['x-b3-sampled'], '1');
    assert.equal(body.outgoing.traceparent, undefined, 'W3C is not written when not asked for');
    const server = spanNamed(await waitForSpans(() => apps.app.spans(), (s) => s.length > 0), 'GET /propagation');
    assert.equal(server.parentSpanContext?.spanId, PARENT_ID);
  });

  it('b3 (single header) and tracecontext together: either is read, both are written', async () => {
    const body = await request({ OTEL_PROPAGATORS: 'tracecontext,b3' }, { b3: `${TRACE_ID}-${PARENT_ID}-1` });
    assert.equal(body.traceId, TRACE_ID);
    assert.match(body.outgoing.b3 ?? '', new RegExp(`^${TRACE_ID}-[0-9a-f]{16}-1$`));
    assert.match(body.outgoing.traceparent ?? '', new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
  });

  it('jaeger: uber-trace-id is read and written', async () => {
    const body = await request({ OTEL_PROPAGATORS: 'jaeger' }, { 'uber-trace-id': `${TRACE_ID}:${PARENT_ID}:0:1` });
    assert.equal(body.traceId, TRACE_ID);
    assert.match(body.outgoing['uber-trace-id'] ?? '', new RegExp(`^${TRACE_ID}:[0-9a-f]{16}:0:0?1$`));
  });

  it('none: no header is read or written', async () => {
    const body = await request({ OTEL_PROPAGATORS: 'none' }, { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` });
    assert.notEqual(body.traceId, TRACE_ID);
    assert.deepEqual(body.outgoing, {});
  });

  it('bad values fail bootstrap with the standard error', () => {
    const resolve = (value: string) => () => resolveTracingConfig({}, envOf({ OTEL_PROPAGATORS: value }), false, false);
    assert.throws(
      resolve('tracecontext,xray'),
      new TracingConfigError(
        'nestjs-ai-tracing: invalid environment variable OTEL_PROPAGATORS="tracecontext,xray": expected a comma-separated list of ' +
          '"tracecontext", "baggage", "b3", "b3multi", "jaeger", "none" ("none" only alone)',
      ),
    );
    assert.throws(resolve('none,b3'), TracingConfigError);
  });
});

describe('span limits and resource', () => {
  it('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT and OTEL_SPAN_EVENT_COUNT_LIMIT cap what a span keeps', async () => {
    const traced = await boot({ exporter: 'memory' }, { OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '4', OTEL_SPAN_EVENT_COUNT_LIMIT: '2' });
    traced.tracing.withSpan('capped', () => {
      traced.tracing.setAttributes({ a1: 1, a2: 2, a3: 3, a4: 4, a5: 5, a6: 6 });
      for (let i = 0; i < 5; i++) traced.tracing.addEvent(`event ${i}`);
    });
    const span = spanNamed(traced.spans(), 'capped');
    assert.equal(Object.keys(span.attributes).length, 4);
    assert.equal(span.droppedAttributesCount > 0, true);
    assert.equal(span.events.length, 2);
    assert.equal(span.droppedEventsCount, 3);
  });

  it('the spanLimits option wins over the variables; bad values fail bootstrap', () => {
    const c = resolveTracingConfig({ spanLimits: { eventCountLimit: 7 } }, envOf({ OTEL_SPAN_EVENT_COUNT_LIMIT: '2', OTEL_ATTRIBUTE_COUNT_LIMIT: '50' }), false, false);
    assert.deepEqual(c.spanLimits, {
      attributeCountLimit: 50,
      eventCountLimit: 7,
      linkCountLimit: 128,
      attributePerEventCountLimit: 50,
      attributePerLinkCountLimit: 50,
    });
    assert.throws(
      () => resolveTracingConfig({}, envOf({ OTEL_SPAN_LINK_COUNT_LIMIT: 'many' }), false, false),
      new TracingConfigError('nestjs-ai-tracing: invalid environment variable OTEL_SPAN_LINK_COUNT_LIMIT="many": expected an integer >= 0'),
    );
  });

  it('service.instance.id is one UUID per process; OTEL_RESOURCE_ATTRIBUTES can set it; OTEL_SERVICE_VERSION fills service.version', async () => {
    const first = await boot({ exporter: 'memory' }, { OTEL_SERVICE_VERSION: '3.1.4' });
    first.tracing.withSpan('one', () => undefined);
    const resource = spanNamed(first.spans(), 'one').resource.attributes;
    assert.match(String(resource['service.instance.id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(resource['service.version'], '3.1.4');
    await first.close();

    const second = await boot({ exporter: 'memory' });
    second.tracing.withSpan('two', () => undefined);
    assert.equal(spanNamed(second.spans(), 'two').resource.attributes['service.instance.id'], resource['service.instance.id'], 'same process, same id');
    await second.close();

    const named = await boot({ exporter: 'memory' }, { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=pod-7,service.version=9' });
    named.tracing.withSpan('three', () => undefined);
    const attributes = spanNamed(named.spans(), 'three').resource.attributes;
    assert.equal(attributes['service.instance.id'], 'pod-7');
    assert.equal(attributes['service.version'], '9');
  });
});
