import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { TracingModule } from '../../lib/index.js';
import type { TracingSdk } from '../../lib/sdk/tracing-sdk.js';
import { TRACING_SDK } from '../../lib/tracing.constants.js';
import { createTracedApp, type TracedApp } from '../support/tracing-harness.js';
import { isolateEnv } from './fixtures/env-isolation.js';
import { startOtlpReceiver, type OtlpReceiver } from './fixtures/otlp-receiver.js';
import { ResearchModule, ResearchWorkload } from './fixtures/research.workload.js';
import { dotenv, tempDir } from './fixtures/temp-files.js';

let receiver: OtlpReceiver;
let app: TracedApp | undefined;
let restoreEnv: () => void = () => undefined;
const files = tempDir('tracing-disabled');

beforeEach(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  await receiver.close();
  restoreEnv();
});

async function boot(tracingModule: DynamicModule, imports: DynamicModule[] = []): Promise<TracedApp> {
  app = await createTracedApp({ tracingModule, imports: [ResearchModule, ...imports], listen: false });
  return app;
}

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
  assert.deepEqual(tracing.getFinishedSpans(), []);
  assert.equal(traced.app.get<TracingSdk>(TRACING_SDK).origin, 'disabled');

  const global = trace.getTracerProvider() as ProxyTracerProvider;
  assert.equal(global.getDelegate().constructor.name, 'NoopTracerProvider', 'no provider registered');
  assert.deepEqual(propagation.fields(), [], 'no propagator registered');
  await traced.close();
  app = undefined;
}

describe('tracing turned off: no spans, no exporter traffic, the app behaves the same', () => {
  it('enabled: false', async () => {
    restoreEnv = isolateEnv();
    await exerciseEverything(await boot(TracingModule.forRoot({ enabled: false, exporter: 'otlp', otlp: { endpoint: receiver.tracesUrl } })));
    assert.equal(receiver.received.length, 0);
  });

  it('enabled: false with the memory exporter keeps nothing', async () => {
    restoreEnv = isolateEnv();
    await exerciseEverything(await boot(TracingModule.forRoot({ enabled: false, exporter: 'memory' })));
  });

  it('OTEL_SDK_DISABLED=true in process.env', async () => {
    restoreEnv = isolateEnv({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl });
    await exerciseEverything(await boot(TracingModule.forRoot()));
    assert.equal(receiver.received.length, 0);
  });

  it('TRACING_ENABLED=false from a .env file through ConfigService', async () => {
    restoreEnv = isolateEnv();
    const envFile = files.file('disabled.env', dotenv({ TRACING_ENABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl }));
    const configModule = await ConfigModule.forRoot({ envFilePath: envFile, ignoreEnvFile: false, isGlobal: true });
    await exerciseEverything(
      await boot(TracingModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: () => ({}) }), [configModule]),
    );
    assert.equal(receiver.received.length, 0);
    files.cleanup();
  });
});
