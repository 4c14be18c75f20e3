import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { TracingModule, type TracingModuleOptions } from '../../lib/index.js';
import type { TracingSdk } from '../../lib/sdk/tracing-sdk.js';
import { TRACING_SDK } from '../../lib/tracing.constants.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { RecordingExporter } from '../support/recording-exporter.js';
import { dotenv, tempDir } from '../support/temp-dir.js';
import type { TracedApp } from '../support/tracing-harness.js';
import { decodeProtobufExport, flattenSpans } from './fixtures/otlp-decode.js';
import { startOtlpReceiver, type OtlpReceiver } from './fixtures/otlp-receiver.js';
import { RESEARCH_SPANS, ResearchModule, ResearchWorkload } from './fixtures/research.workload.js';

const apps = tracedAppPerTest({ imports: [ResearchModule], listen: false });
const files = tempDir('tracing-disabled');
after(() => files.cleanup());

/** Everything a user does with tracing, exercised with tracing off: results and errors must be unchanged. */
async function exerciseEverything(traced: TracedApp): Promise<void> {
  const workload = traced.app.get(ResearchWorkload);
  const tracing = traced.tracing;
  assert.equal(await workload.run({ jobId: 'job-off', topic: 'quiet' }), '2 documents');
  assert.equal(workload.summarize(['a']), '1 documents', 'sync methods stay sync');
  assert.throws(() => workload.explode(), (error: unknown) => error instanceof RangeError && error.message === 'boom');

  const original = new TypeError('kept as is');
  assert.equal(tracing.withSpan('manual sync', () => 42), 42);
  assert.equal(await tracing.withSpan('manual async', async () => 'async value'), 'async value');
  await assert.rejects(
    tracing.withSpan('manual reject', async () => {
      throw original;
    }),
    (error: unknown) => error === original,
  );
  tracing.withSpan('manual attributes', (span) => {
    span.setAttribute('k', 'v');
    tracing.setAttributes({ a: 1 });
    tracing.addEvent('e');
    assert.equal(tracing.traceId(), undefined, 'no trace id while disabled');
    assert.equal(tracing.spanId(), undefined);
  });
  assert.equal(tracing.withAttribution({ userId: 'u1' }, () => 'attributed'), 'attributed');
  assert.equal(tracing.recordUsage({ inputTokens: 1, outputTokens: 1 }), false);
  await tracing.forceFlush();
  assert.equal(traced.app.get<TracingSdk>(TRACING_SDK).origin, 'disabled');

  const global = trace.getTracerProvider() as ProxyTracerProvider;
  assert.equal(global.getDelegate().constructor.name, 'NoopTracerProvider', 'no provider registered');
  assert.deepEqual(propagation.fields(), [], 'no propagator registered');
  await traced.close();
}

/** Where spans would land if tracing were on: the control proves it receives them. */
interface Sink {
  /** Span names received so far. */
  names(): string[];
  clear(): void;
}

function receiverSink(receiver: OtlpReceiver): Sink {
  return {
    names: () => flattenSpans(receiver.received.map((r) => decodeProtobufExport(r.body))).map((s) => s.name),
    clear: () => void receiver.received.splice(0),
  };
}

/**
 * One way of turning tracing off: `boot(on)` starts the app with tracing on (the control) or off, both sending
 * spans to the same sink.
 */
interface OffSwitch {
  title: string;
  sink(): Promise<{ sink: Sink; boot: (on: boolean) => Promise<TracedApp> }>;
}

async function otlpSink(): Promise<{ receiver: OtlpReceiver; sink: Sink }> {
  const receiver = await startOtlpReceiver();
  apps.cleanup(() => receiver.close());
  return { receiver, sink: receiverSink(receiver) };
}

function viaForRoot(options: TracingModuleOptions): Promise<TracedApp> {
  return apps.boot({ tracingModule: TracingModule.forRoot(options) });
}

async function viaDotenv(vars: Record<string, string>): Promise<TracedApp> {
  // ConfigModule copies .env values into process.env without overriding: forget the previous boot's.
  for (const name of Object.keys(vars)) delete process.env[name];
  const envFile = files.file(`disabled-${Object.values(vars).join('-').replace(/\W+/g, '_')}.env`, dotenv(vars));
  const configModule: DynamicModule = await ConfigModule.forRoot({ envFilePath: envFile, ignoreEnvFile: false, isGlobal: true });
  const tracingModule = TracingModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: () => ({}) });
  return apps.boot({ tracingModule, imports: [ResearchModule, configModule] });
}

const SWITCHES: OffSwitch[] = [
  {
    title: 'enabled: false (OTLP exporter configured)',
    async sink() {
      const { receiver, sink } = await otlpSink();
      return { sink, boot: (on) => viaForRoot({ enabled: on, exporter: 'otlp', otlp: { endpoint: receiver.tracesUrl } }) };
    },
  },
  {
    title: "enabled: false with the app's own SpanExporter",
    async sink() {
      const exporter = new RecordingExporter();
      const sink: Sink = { names: () => exporter.names(), clear: () => void exporter.exported.splice(0) };
      return { sink, boot: (on) => viaForRoot({ enabled: on, exporter }) };
    },
  },
  {
    title: 'OTEL_SDK_DISABLED=true in process.env',
    async sink() {
      const { receiver, sink } = await otlpSink();
      return {
        sink,
        boot: (on) => {
          apps.env({ OTEL_SDK_DISABLED: on ? 'false' : 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl });
          return viaForRoot({});
        },
      };
    },
  },
  {
    title: 'TRACING_ENABLED=false from a .env file through ConfigService',
    async sink() {
      const { receiver, sink } = await otlpSink();
      return { sink, boot: (on) => viaDotenv({ TRACING_ENABLED: String(on), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl }) };
    },
  },
];

describe('tracing turned off: no spans, no exporter traffic, the app behaves the same', () => {
  for (const { title, sink: makeSink } of SWITCHES) {
    it(title, async () => {
      const { sink, boot } = await makeSink();
      // Control: the same setup with tracing on delivers the run to the sink.
      const on = await boot(true);
      await on.app.get(ResearchWorkload).run({ jobId: 'job-on', topic: 'control' });
      await on.close();
      assert.deepEqual(sink.names().sort(), [RESEARCH_SPANS.workflow, RESEARCH_SPANS.retrieve, RESEARCH_SPANS.summarize].sort(), 'control');
      sink.clear();

      await exerciseEverything(await boot(false));
      assert.deepEqual(sink.names(), []);
    });
  }
});
