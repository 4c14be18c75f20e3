import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable, Module } from '@nestjs/common';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { TraceNode, TracingModule, TracingService, type TracingModuleOptions } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { configuredBy } from '../support/config-service.js';
import { RecordingExporter } from '../support/recording-exporter.js';
import { spanNamed, type TracedApp } from '../support/tracing-harness.js';
import { decodeProtobufExport, flattenSpans } from './fixtures/otlp-decode.js';
import { startOtlpReceiver } from './fixtures/otlp-receiver.js';

/** A feature module that does NOT import TracingModule: TracingService must still inject (the module is global). */
@Injectable()
class FeatureService {
  constructor(readonly tracing: TracingService) {}

  @TraceNode({ nodeType: 'echo' })
  echo(text: string): string {
    return text;
  }
}
@Module({ providers: [FeatureService], exports: [FeatureService] })
class FeatureModule {}

const apps = tracedAppPerTest({ imports: [FeatureModule], listen: false });

function boot(options: TracingModuleOptions): Promise<TracedApp> {
  return apps.boot({ tracingModule: TracingModule.forRoot(options) });
}

/** Runs `fn` under a remote parent, as an incoming request with a W3C traceparent would. */
function underRemoteParent<T>(sampled: boolean, fn: () => T): T {
  const traceparent = `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-${sampled ? '01' : '00'}`;
  return context.with(propagation.extract(ROOT_CONTEXT, { traceparent }), fn);
}

describe('the module is global', () => {
  it('TracingService injects into a feature module that does not import TracingModule', async () => {
    const traced = await boot({ exporter: 'memory' });
    const feature = traced.app.get(FeatureService);
    assert.equal(feature.tracing, traced.tracing);
    feature.tracing.withSpan('from feature', () => undefined);
    spanNamed(traced.spans(), 'from feature');
  });
});

describe('sampling: parent-based ratio', () => {
  it('sampleRate 0 drops new traces but follows a sampled remote parent', async () => {
    const traced = await boot({ exporter: 'memory', sampleRate: 0 });
    traced.tracing.withSpan('new root', () => undefined);
    underRemoteParent(true, () => traced.tracing.withSpan('continued', () => undefined));
    underRemoteParent(false, () => traced.tracing.withSpan('not sampled upstream', () => undefined));
    assert.deepEqual(traced.spans().map((s) => s.name), ['continued']);
    assert.equal(traced.spans()[0]?.spanContext().traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('sampleRate 1 records new traces but respects an unsampled remote parent', async () => {
    const traced = await boot({ exporter: 'memory', sampleRate: 1 });
    traced.tracing.withSpan('new root', () => undefined);
    underRemoteParent(false, () => traced.tracing.withSpan('not sampled upstream', () => undefined));
    assert.deepEqual(traced.spans().map((s) => s.name), ['new root']);
  });

  it('OTEL_TRACES_SAMPLER=always_off (not parent-based) ignores a sampled parent', async () => {
    apps.env({ OTEL_TRACES_SAMPLER: 'always_off' });
    const traced = await boot({ exporter: 'memory' });
    underRemoteParent(true, () => traced.tracing.withSpan('continued', () => undefined));
    assert.deepEqual(traced.spans(), []);
  });
});

describe('W3C propagation', () => {
  it('injects traceparent and baggage from the active span', async () => {
    const traced = await boot({ exporter: 'memory' });
    const carrier: Record<string, string> = {};
    traced.tracing.withSpan('outgoing', () => {
      const withBaggage = propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: 'acme' } }));
      propagation.inject(withBaggage, carrier);
    });
    const span = spanNamed(traced.spans(), 'outgoing');
    assert.equal(carrier.traceparent, `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    assert.equal(carrier.baggage, 'tenant=acme');
  });
});

describe('attribute and content limits', () => {
  const LONG = 'abcdefghijklmnop';
  const noted = (traced: TracedApp) => {
    traced.tracing.withSpan('long', () => traced.tracing.setAttributes({ note: LONG }));
    return spanNamed(traced.spans(), 'long').attributes['note'];
  };

  it('attributeValueLengthLimit truncates long attribute strings (control: kept whole without it)', async () => {
    assert.equal(noted(await boot({ exporter: 'memory' })), LONG);
    assert.equal(noted(await boot({ exporter: 'memory', attributeValueLengthLimit: 8 })), 'abcdefgh');
  });

  // Through ConfigService only: the SDK reads these two from process.env itself.
  it('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT, and OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT over it', async () => {
    assert.equal(noted(await apps.boot(await configuredBy({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '8' }, { exporter: 'memory' }))), 'abcdefgh');
    const both = { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '8', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '5' };
    assert.equal(noted(await apps.boot(await configuredBy(both, { exporter: 'memory' }))), 'abcde');
  });

  it('TRACING_CAPTURE_CONTENT records inputs; TRACING_MAX_CONTENT_LENGTH truncates them', async () => {
    const captured = async (variables: Record<string, string>) => {
      const { tracingModule, imports } = await configuredBy(variables, { exporter: 'memory' });
      const traced = await apps.boot({ tracingModule, imports: [FeatureModule, ...imports] });
      traced.app.get(FeatureService).echo('word '.repeat(100));
      return spanNamed(traced.spans(), 'node echo').attributes['input.value'] as string | undefined;
    };
    assert.equal(await captured({}), undefined, 'off by default');
    assert.equal(await captured({ TRACING_CAPTURE_CONTENT: 'true' }), JSON.stringify(['word '.repeat(100)]));
    const cut = await captured({ TRACING_CAPTURE_CONTENT: 'true', TRACING_MAX_CONTENT_LENGTH: '40' });
    assert.equal(cut?.length, 40);
    assert.ok(cut?.endsWith('...[truncated]'), cut);
  });
});

describe('exporters by name', () => {
  it("'none': spans exist for log correlation but go nowhere, even with an OTLP endpoint configured", async () => {
    const receiver = await startOtlpReceiver();
    apps.cleanup(() => receiver.close());
    apps.env({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl });
    const posted = async (options: TracingModuleOptions): Promise<string[]> => {
      receiver.received.splice(0);
      const traced = await boot(options);
      const id = traced.tracing.withSpan('unexported', () => traced.tracing.traceId());
      assert.match(id ?? '', /^[0-9a-f]{32}$/, 'a trace id for log correlation');
      await traced.close();
      return flattenSpans(receiver.received.map((r) => decodeProtobufExport(r.body))).map((s) => s.name);
    };
    assert.deepEqual(await posted({}), ['unexported'], 'control: the endpoint alone exports');
    assert.deepEqual(await posted({ exporter: 'none' }), []);
  });

  it("'memory' keeps the newest 10,000 spans, so a long-running development app stays bounded", async () => {
    const traced = await boot({ exporter: 'memory' });
    for (let i = 0; i < 10_005; i++) traced.tracing.withSpan(`span ${i}`, () => undefined);
    const kept = traced.tracing.getFinishedSpans();
    assert.equal(kept.length, 10_000);
    assert.equal(kept[0]?.name, 'span 5', 'the oldest five were dropped');
    assert.equal(kept.at(-1)?.name, 'span 10004');
  });

  it('a SpanExporter instance receives every span through the batch processor', async () => {
    const exporter = new RecordingExporter();
    const traced = await boot({ exporter, serviceName: 'custom-exporter' });
    traced.tracing.withSpan('custom', () => undefined);
    await traced.tracing.forceFlush();
    const [span] = exporter.exported;
    assert.equal(span?.name, 'custom');
    assert.equal(span?.resource.attributes['service.name'], 'custom-exporter');
  });

  it('the provider the module created is the global one, so other instrumentation joins the same traces', async () => {
    const traced = await boot({ exporter: 'memory' });
    traced.tracing.withSpan('library span', () => {
      trace.getTracer('some-instrumentation').startSpan('instrumentation span').end();
    });
    const spans = traced.spans();
    const child = spanNamed(spans, 'instrumentation span');
    assert.equal(child.parentSpanContext?.spanId, spanNamed(spans, 'library span').spanContext().spanId);
    assert.equal(child.instrumentationScope.name, 'some-instrumentation');
  });
});
