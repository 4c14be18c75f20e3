import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { context, diag, DiagLogLevel, propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { TracingModule, TracingService, type TracingModuleOptions } from '../../lib/index.js';
import type { ResolvedTracingConfig } from '../../lib/config/resolved-config.js';
import type { TracingSdk } from '../../lib/sdk/tracing-sdk.js';
import { TRACING_CONFIG, TRACING_SDK } from '../../lib/tracing.constants.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { dotenv, tempDir } from '../support/temp-dir.js';
import type { TracedApp } from '../support/tracing-harness.js';
import { assertResearchTrace } from './fixtures/research.assertions.js';
import { RESEARCH_SPANS, ResearchModule, ResearchWorkload } from './fixtures/research.workload.js';

const files = tempDir('tracing-module-paths');
after(() => files.cleanup());

const apps = tracedAppPerTest({ listen: false });

function boot(tracingModule: DynamicModule, imports: DynamicModule[] = []): Promise<TracedApp> {
  return apps.boot({ tracingModule, imports: [ResearchModule, ...imports] });
}

async function runResearch(app: TracedApp, jobId: string): Promise<void> {
  assert.equal(await app.app.get(ResearchWorkload).run({ jobId, topic: 'otel' }), '2 documents');
}

const sdkOf = (app: TracedApp) => app.app.get<TracingSdk>(TRACING_SDK);
const configOf = (app: TracedApp) => app.app.get<ResolvedTracingConfig>(TRACING_CONFIG);

/** Global tracer provider delegate, to see whether the module registered one. */
function globalDelegate(): unknown {
  const global = trace.getTracerProvider();
  return global instanceof ProxyTracerProvider ? global.getDelegate() : global;
}

describe('TracingModule.forRoot', () => {
  it('works with no argument: default console exporter prints the spans', async () => {
    const printed: unknown[] = [];
    const dir = console.dir;
    console.dir = (item: unknown) => void printed.push(item);
    try {
      const app = await boot(TracingModule.forRoot());
      assert.deepEqual(configOf(app).exporters, ['console']);
      assert.equal(sdkOf(app).origin, 'created');
      await runResearch(app, 'job-default');
    } finally {
      console.dir = dir;
    }
    const names = printed.map((p) => (p as { name?: unknown }).name);
    assert.deepEqual(names.sort(), [RESEARCH_SPANS.workflow, RESEARCH_SPANS.retrieve, RESEARCH_SPANS.summarize].sort());
    const workflow = printed.find((p) => (p as { name?: unknown }).name === RESEARCH_SPANS.workflow) as {
      resource: { attributes: Record<string, unknown> };
      instrumentationScope: { name: string };
    };
    assert.equal(workflow.resource.attributes['service.name'], 'nestjs-app');
    assert.equal(workflow.instrumentationScope.name, 'nestjs-ai-tracing');
  });

  it('works with no argument and takes everything from process.env', async () => {
    apps.env({
      TRACING_EXPORTER: 'memory',
      OTEL_SERVICE_NAME: 'from-process-env',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=ci,team=ml%20platform',
    });
    const app = await boot(TracingModule.forRoot());
    await runResearch(app, 'job-env');
    const { workflow } = assertResearchTrace(app.spans(), 'job-env');
    assert.equal(workflow.resource.attributes['service.name'], 'from-process-env');
    assert.equal(workflow.resource.attributes['deployment.environment'], 'ci');
    assert.equal(workflow.resource.attributes['team'], 'ml platform');
  });

  it('names the service after npm_package_name/version when nothing else is set', async () => {
    apps.env({ TRACING_EXPORTER: 'memory', npm_package_name: 'my-api', npm_package_version: '3.2.1' });
    const app = await boot(TracingModule.forRoot());
    await runResearch(app, 'job-npm');
    const { workflow } = assertResearchTrace(app.spans(), 'job-npm');
    assert.equal(workflow.resource.attributes['service.name'], 'my-api');
    assert.equal(workflow.resource.attributes['service.version'], '3.2.1');
  });

  it('takes explicit options over the environment', async () => {
    apps.env({ TRACING_EXPORTER: 'console', OTEL_SERVICE_NAME: 'env-name', TRACING_CAPTURE_CONTENT: 'false' });
    const app = await boot(
      TracingModule.forRoot({
        exporter: 'memory',
        serviceName: 'explicit-name',
        serviceVersion: '1.4.0',
        resourceAttributes: { 'deployment.environment': 'test' },
        captureContent: true,
      }),
    );
    await runResearch(app, 'job-options');
    const { workflow, retrieve } = assertResearchTrace(app.spans(), 'job-options');
    assert.equal(workflow.resource.attributes['service.name'], 'explicit-name');
    assert.equal(workflow.resource.attributes['service.version'], '1.4.0');
    assert.equal(workflow.resource.attributes['deployment.environment'], 'test');
    assert.equal(workflow.resource.attributes['telemetry.sdk.language'], 'nodejs');
    assert.equal(retrieve.attributes['input.value'], JSON.stringify(['otel']));
    assert.equal(workflow.instrumentationScope.name, 'nestjs-ai-tracing');
  });
});

describe('TracingModule.forRootAsync', () => {
  it('reads a .env file through ConfigModule + ConfigService (the documented main path)', async () => {
    const envFile = files.file(
      'main-path.env',
      dotenv({
        OTEL_SERVICE_NAME: 'from-dotenv',
        TRACING_EXPORTER: 'memory',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=staging',
        TRACING_CAPTURE_CONTENT: 'true',
        APP_VERSION: '9.9.9',
      }),
    );
    const configModule = await ConfigModule.forRoot({ envFilePath: envFile, ignoreEnvFile: false, isGlobal: true });
    const app = await boot(
      TracingModule.forRootAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: (config: ConfigService): TracingModuleOptions => ({ serviceVersion: config.get<string>('APP_VERSION') }),
      }),
      [configModule],
    );
    await runResearch(app, 'job-dotenv');
    const { workflow, retrieve } = assertResearchTrace(app.spans(), 'job-dotenv');
    assert.equal(workflow.resource.attributes['service.name'], 'from-dotenv');
    assert.equal(workflow.resource.attributes['service.version'], '9.9.9');
    assert.equal(workflow.resource.attributes['deployment.environment'], 'staging');
    assert.equal(retrieve.attributes['input.value'], JSON.stringify(['otel']), 'TRACING_CAPTURE_CONTENT=true from the file');
  });

  it('reads settings that exist only in ConfigService (load factory, not process.env)', async () => {
    const configModule = await ConfigModule.forRoot({
      ignoreEnvFile: true,
      isGlobal: true,
      load: [() => ({ OTEL_SERVICE_NAME: 'from-config-service', TRACING_EXPORTER: 'memory', TRACING_SAMPLE_RATE: 1 })],
    });
    const app = await boot(
      TracingModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: () => ({}) }),
      [configModule],
    );
    assert.equal(process.env.OTEL_SERVICE_NAME, undefined, 'the value is not in process.env');
    await runResearch(app, 'job-config-service');
    const { workflow } = assertResearchTrace(app.spans(), 'job-config-service');
    assert.equal(workflow.resource.attributes['service.name'], 'from-config-service');
  });

  it('uses an options factory class (useClass)', async () => {
    @Injectable()
    class TracingConfigFactory {
      createTracingOptions(): TracingModuleOptions {
        return { exporter: 'memory', serviceName: 'use-class' };
      }
    }
    const app = await boot(TracingModule.forRootAsync({ useClass: TracingConfigFactory }));
    await runResearch(app, 'job-use-class');
    const { workflow } = assertResearchTrace(app.spans(), 'job-use-class');
    assert.equal(workflow.resource.attributes['service.name'], 'use-class');
  });

  it('uses an existing options factory from an imported module (useExisting)', async () => {
    @Injectable()
    class SharedTracingConfig {
      createTracingOptions(): Promise<TracingModuleOptions> {
        return Promise.resolve({ exporter: 'memory', serviceName: 'use-existing' });
      }
    }
    @Module({ providers: [SharedTracingConfig], exports: [SharedTracingConfig] })
    class SharedConfigModule {}
    const app = await boot(TracingModule.forRootAsync({ imports: [SharedConfigModule], useExisting: SharedTracingConfig }));
    await runResearch(app, 'job-use-existing');
    const { workflow } = assertResearchTrace(app.spans(), 'job-use-existing');
    assert.equal(workflow.resource.attributes['service.name'], 'use-existing');
  });
});

describe('a tracer provider the app already has', () => {
  function userProvider(): { provider: BasicTracerProvider; exporter: InMemorySpanExporter } {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    return { provider, exporter };
  }

  it('uses a pre-registered global provider, creates none and leaves it running after close', async () => {
    const { provider, exporter } = userProvider();
    assert.equal(trace.setGlobalTracerProvider(provider), true);
    try {
      const app = await boot(TracingModule.forRoot({ exporter: 'memory' }));
      assert.equal(sdkOf(app).origin, 'global');
      assert.equal(globalDelegate(), provider, 'the global provider was not replaced');
      await runResearch(app, 'job-global');
      assertResearchTrace(exporter.getFinishedSpans(), 'job-global');
      assert.deepEqual(app.tracing.getFinishedSpans(), [], 'no memory exporter of ours was created');
      await app.close();

      assert.equal(globalDelegate(), provider, 'still registered after close');
      provider.getTracer('user').startSpan('after close').end();
      assert.ok(
        exporter.getFinishedSpans().some((s) => s.name === 'after close'),
        'the user provider was not shut down',
      );
    } finally {
      trace.disable();
      await provider.shutdown();
    }
  });

  it('sits next to a preloaded NodeSDK-style setup without a diag error and leaves all of it in place', async () => {
    const { provider, exporter } = userProvider();
    const manager = new AsyncLocalStorageContextManager().enable();
    const propagator = new W3CTraceContextPropagator();
    const diagErrors: string[] = [];
    const log = (message: string) => void diagErrors.push(message);
    diag.setLogger({ error: log, warn: () => undefined, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
    // Settings that only the preloaded SDK supports must not fail our bootstrap.
    Object.assign(process.env, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_SAMPLER: 'parentbased_jaeger_remote' });
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(manager);
    propagation.setGlobalPropagator(propagator);
    try {
      const app = await boot(TracingModule.forRoot());
      assert.equal(sdkOf(app).origin, 'global');
      await runResearch(app, 'job-node-sdk');
      assertResearchTrace(exporter.getFinishedSpans(), 'job-node-sdk');
      await app.close();
      assert.deepEqual(diagErrors, [], 'no "duplicate registration" errors');
      assert.equal(globalDelegate(), provider);
      assert.deepEqual(propagation.fields(), propagator.fields(), 'the user propagator is still registered');
      const key = Symbol('probe');
      const seen = context.with(context.active().setValue(key, 'v'), () => context.active().getValue(key));
      assert.equal(seen, 'v', 'the user context manager is still registered');
    } finally {
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
      await provider.shutdown();
    }
  });

  it('uses the tracerProvider option without registering it globally or shutting it down', async () => {
    const { provider, exporter } = userProvider();
    try {
      const app = await boot(TracingModule.forRoot({ tracerProvider: provider, exporter: 'memory' }));
      assert.equal(sdkOf(app).origin, 'option');
      assert.notEqual(globalDelegate(), provider, 'never registered globally');
      await runResearch(app, 'job-option');
      assertResearchTrace(exporter.getFinishedSpans(), 'job-option');
      await app.close();

      provider.getTracer('user').startSpan('after close').end();
      assert.ok(exporter.getFinishedSpans().some((s) => s.name === 'after close'), 'not shut down');
    } finally {
      await provider.shutdown();
    }
  });

  it('creates its own provider again once the user provider is gone', async () => {
    const app = await boot(TracingModule.forRoot({ exporter: 'memory' }));
    assert.equal(sdkOf(app).origin, 'created');
    await runResearch(app, 'job-fresh');
    assertResearchTrace(app.spans(), 'job-fresh');
    assert.ok(app.app.get(TracingService));
  });
});
