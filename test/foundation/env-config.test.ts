import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { TracingConfigError, TracingModule, type TracingModuleOptions } from '../../lib/index.js';
import { resolveTracingConfig } from '../../lib/config/resolve-config.js';
import type { ResolvedTracingConfig } from '../../lib/config/resolved-config.js';
import { envOf, isolateEnv } from '../support/env.js';
import { dotenv, tempDir } from '../support/temp-dir.js';

type Env = Record<string, string>;
const resolve = (env: Env, options: TracingModuleOptions = {}) => resolveTracingConfig(options, envOf(env), undefined, false);

/** The exporter setting as one value: 'none' for an empty list, the single entry, or the list. */
function exporterOf(c: ResolvedTracingConfig): unknown {
  return c.exporters.length === 0 ? 'none' : c.exporters.length === 1 ? c.exporters[0] : c.exporters;
}

/** One row of a parsing table: environment (and options) in, one resolved value out. */
interface Row {
  title: string;
  env: Env;
  options?: TracingModuleOptions;
  pick: (config: ResolvedTracingConfig) => unknown;
  expected: unknown;
}

function table(rows: Row[]): void {
  for (const row of rows) {
    it(row.title, () => assert.deepEqual(row.pick(resolve(row.env, row.options)), row.expected));
  }
}

describe('defaults (nothing set)', () => {
  it('resolves every setting to its documented default', () => {
    const c = resolve({});
    assert.equal(c.enabled, true);
    assert.equal(c.serviceName, 'nestjs-app');
    assert.equal(c.serviceVersion, undefined);
    assert.deepEqual(c.resourceAttributes, {});
    assert.equal(exporterOf(c), 'console');
    assert.deepEqual(c.otlp, { endpoint: 'http://localhost:4318/v1/traces', headers: {}, protocol: 'http/protobuf', timeoutMillis: 10_000 });
    assert.equal(c.tracerProvider, undefined);
    assert.equal(c.sampleRate, 1);
    assert.equal(c.parentBasedSampling, true);
    assert.equal(c.captureContent, false);
    assert.equal(c.maxContentLength, 4096);
    assert.equal(c.costTracking, true);
    assert.deepEqual(c.redactKeys, []);
    assert.equal(c.redactDefaultKeys, true);
    assert.equal(c.attributeValueLengthLimit, undefined);
    assert.deepEqual(c.batch, { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 5000, exportTimeoutMillis: 30_000 });
    assert.equal(c.shutdownTimeoutMillis, 5000);
    assert.deepEqual({ ...c.pricing }, { models: [], file: undefined, deployments: {}, bundled: true });
    assert.equal(c.http.enabled, true);
    assert.equal(c.http.trustRemoteSampling, true);
    assert.equal(c.websocket.enabled, true);
    assert.deepEqual(c.store, {
      enabled: false,
      driver: 'sqlite',
      path: '.traces/traces.db',
      url: undefined,
      poolSize: 4,
      retentionDays: 7,
      maxTraces: 100_000,
      maxSpansPerTrace: 1000,
      maxSizeMb: 256,
      maxQueueSize: 10_000,
      queryTimeoutMillis: 10_000,
    });
    assert.deepEqual(c.explorer, { enabled: false, path: '/_tracing', token: undefined, allowedHosts: [], deployed: false });
  });

  it('treats empty and blank variables as unset', () => {
    const blank = { OTEL_SERVICE_NAME: '', TRACING_EXPORTER: '  ', TRACING_SAMPLE_RATE: '', TRACING_CAPTURE_CONTENT: ' ', OTEL_EXPORTER_OTLP_ENDPOINT: '' };
    const c = resolve(blank);
    assert.equal(c.serviceName, 'nestjs-app');
    assert.equal(exporterOf(c), 'console');
    assert.equal(c.sampleRate, 1);
    assert.equal(c.captureContent, false);
  });
});

describe('standard OTEL_* variables', () => {
  table([
    { title: 'OTEL_SDK_DISABLED=true turns tracing off', env: { OTEL_SDK_DISABLED: 'true' }, pick: (c) => c.enabled, expected: false },
    { title: 'OTEL_SDK_DISABLED=TRUE (case-insensitive)', env: { OTEL_SDK_DISABLED: 'TRUE' }, pick: (c) => c.enabled, expected: false },
    { title: 'OTEL_SDK_DISABLED=false keeps it on', env: { OTEL_SDK_DISABLED: 'false' }, pick: (c) => c.enabled, expected: true },
    { title: 'OTEL_SERVICE_NAME', env: { OTEL_SERVICE_NAME: 'billing' }, pick: (c) => c.serviceName, expected: 'billing' },
    {
      title: 'service.name in OTEL_RESOURCE_ATTRIBUTES when OTEL_SERVICE_NAME is unset',
      env: { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' },
      pick: (c) => c.serviceName,
      expected: 'from-attrs',
    },
    {
      title: 'OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES',
      env: { OTEL_SERVICE_NAME: 'named', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' },
      pick: (c) => c.serviceName,
      expected: 'named',
    },
    {
      title: 'OTEL_RESOURCE_ATTRIBUTES, percent-decoded, blanks ignored',
      env: { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod, team=ml%20platform,,k8s.pod.name=api-7%2C8' },
      pick: (c) => c.resourceAttributes,
      expected: { 'deployment.environment': 'prod', team: 'ml platform', 'k8s.pod.name': 'api-7,8' },
    },
    {
      title: 'OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces and selects the otlp exporter',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
      pick: (c) => [exporterOf(c), c.otlp.endpoint],
      expected: ['otlp', 'http://collector:4318/v1/traces'],
    },
    {
      title: 'OTEL_EXPORTER_OTLP_ENDPOINT with a path and trailing slash',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com/tenant-1/' },
      pick: (c) => c.otlp.endpoint,
      expected: 'https://otlp.example.com/tenant-1/v1/traces',
    },
    {
      title: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is and wins over OTEL_EXPORTER_OTLP_ENDPOINT',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom' },
      pick: (c) => [exporterOf(c), c.otlp.endpoint],
      expected: ['otlp', 'http://traces:4318/custom'],
    },
    {
      title: 'OTEL_EXPORTER_OTLP_HEADERS, with OTEL_EXPORTER_OTLP_TRACES_HEADERS overriding per key',
      env: { OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%3D%3D,x-team=ai', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=tracing' },
      pick: (c) => c.otlp.headers,
      expected: { 'api-key': 'abc==', 'x-team': 'tracing' },
    },
    { title: 'OTEL_EXPORTER_OTLP_PROTOCOL=http/json', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, pick: (c) => c.otlp.protocol, expected: 'http/json' },
    {
      title: 'OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
      env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
      pick: (c) => c.otlp.protocol,
      expected: 'http/protobuf',
    },
    {
      title: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL wins over OTEL_EXPORTER_OTLP_PROTOCOL',
      env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' },
      pick: (c) => c.otlp.protocol,
      expected: 'http/json',
    },
    {
      title: 'OTEL_EXPORTER_OTLP_TIMEOUT, with OTEL_EXPORTER_OTLP_TRACES_TIMEOUT winning',
      env: { OTEL_EXPORTER_OTLP_TIMEOUT: '2000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '1500' },
      pick: (c) => c.otlp.timeoutMillis,
      expected: 1500,
    },
    { title: 'OTEL_EXPORTER_OTLP_TIMEOUT alone', env: { OTEL_EXPORTER_OTLP_TIMEOUT: '2000' }, pick: (c) => c.otlp.timeoutMillis, expected: 2000 },
    {
      title: 'OTEL_TRACES_SAMPLER=always_on',
      env: { OTEL_TRACES_SAMPLER: 'always_on' },
      pick: (c) => [c.sampleRate, c.parentBasedSampling],
      expected: [1, false],
    },
    {
      title: 'OTEL_TRACES_SAMPLER=always_off',
      env: { OTEL_TRACES_SAMPLER: 'always_off' },
      pick: (c) => [c.sampleRate, c.parentBasedSampling],
      expected: [0, false],
    },
    {
      title: 'OTEL_TRACES_SAMPLER=traceidratio + OTEL_TRACES_SAMPLER_ARG',
      env: { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' },
      pick: (c) => [c.sampleRate, c.parentBasedSampling],
      expected: [0.25, false],
    },
    {
      title: 'OTEL_TRACES_SAMPLER=traceidratio without an argument samples everything',
      env: { OTEL_TRACES_SAMPLER: 'traceidratio' },
      pick: (c) => c.sampleRate,
      expected: 1,
    },
    {
      title: 'OTEL_TRACES_SAMPLER=parentbased_traceidratio + OTEL_TRACES_SAMPLER_ARG',
      env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
      pick: (c) => [c.sampleRate, c.parentBasedSampling],
      expected: [0.1, true],
    },
    {
      title: 'OTEL_TRACES_SAMPLER=parentbased_always_off',
      env: { OTEL_TRACES_SAMPLER: 'parentbased_always_off' },
      pick: (c) => [c.sampleRate, c.parentBasedSampling],
      expected: [0, true],
    },
    {
      title: 'OTEL_TRACES_SAMPLER=parentbased_always_on',
      env: { OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
      pick: (c) => [c.sampleRate, c.parentBasedSampling],
      expected: [1, true],
    },
    { title: 'OTEL_TRACES_EXPORTER=console', env: { OTEL_TRACES_EXPORTER: 'console' }, pick: (c) => exporterOf(c), expected: 'console' },
    { title: 'OTEL_TRACES_EXPORTER=none', env: { OTEL_TRACES_EXPORTER: 'none' }, pick: (c) => exporterOf(c), expected: 'none' },
    {
      title: 'OTEL_TRACES_EXPORTER=otlp (default endpoint)',
      env: { OTEL_TRACES_EXPORTER: 'otlp' },
      pick: (c) => [exporterOf(c), c.otlp.endpoint],
      expected: ['otlp', 'http://localhost:4318/v1/traces'],
    },
    {
      title: 'OTEL_BSP_* tune the batch processor',
      env: { OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '50', OTEL_BSP_SCHEDULE_DELAY: '0', OTEL_BSP_EXPORT_TIMEOUT: '700' },
      pick: (c) => c.batch,
      expected: { maxQueueSize: 100, maxExportBatchSize: 50, scheduledDelayMillis: 0, exportTimeoutMillis: 700 },
    },
    {
      title: 'OTEL_BSP_MAX_QUEUE_SIZE below the default batch size caps the batch size (as the SDK does)',
      env: { OTEL_BSP_MAX_QUEUE_SIZE: '100' },
      pick: (c) => c.batch.maxExportBatchSize,
      expected: 100,
    },
    {
      title: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
      env: { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '256' },
      pick: (c) => c.attributeValueLengthLimit,
      expected: 256,
    },
    {
      title: 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT wins over OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
      env: { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '256', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '64' },
      pick: (c) => c.attributeValueLengthLimit,
      expected: 64,
    },
  ]);
});

describe('TRACING_* variables', () => {
  table([
    { title: 'TRACING_ENABLED=false', env: { TRACING_ENABLED: 'false' }, pick: (c) => c.enabled, expected: false },
    { title: 'TRACING_ENABLED=0', env: { TRACING_ENABLED: '0' }, pick: (c) => c.enabled, expected: false },
    {
      title: 'TRACING_ENABLED=true wins over OTEL_SDK_DISABLED=true',
      env: { TRACING_ENABLED: 'true', OTEL_SDK_DISABLED: 'true' },
      pick: (c) => c.enabled,
      expected: true,
    },
    ...(['otlp', 'console', 'memory', 'none'] as const).map((name) => ({
      title: `TRACING_EXPORTER=${name}`,
      env: { TRACING_EXPORTER: name },
      pick: (c: ResolvedTracingConfig) => exporterOf(c),
      expected: name,
    })),
    { title: 'TRACING_EXPORTER is case-insensitive', env: { TRACING_EXPORTER: 'Memory' }, pick: (c) => exporterOf(c), expected: 'memory' },
    {
      title: 'TRACING_EXPORTER wins over OTEL_TRACES_EXPORTER and an OTLP endpoint',
      env: { TRACING_EXPORTER: 'memory', OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' },
      pick: (c) => exporterOf(c),
      expected: 'memory',
    },
    ...['0', '1', '0.3'].map((rate) => ({
      title: `TRACING_SAMPLE_RATE=${rate} (parent-based)`,
      env: { TRACING_SAMPLE_RATE: rate },
      pick: (c: ResolvedTracingConfig) => [c.sampleRate, c.parentBasedSampling],
      expected: [Number(rate), true],
    })),
    {
      title: 'TRACING_SAMPLE_RATE wins over OTEL_TRACES_SAMPLER',
      env: { TRACING_SAMPLE_RATE: '0.5', OTEL_TRACES_SAMPLER: 'always_off' },
      pick: (c) => [c.sampleRate, c.parentBasedSampling],
      expected: [0.5, true],
    },
    ...[
      ['true', true],
      ['1', true],
      ['yes', true],
      ['ON', true],
      ['false', false],
      ['0', false],
      ['no', false],
      ['off', false],
    ].map(([raw, value]) => ({
      title: `TRACING_CAPTURE_CONTENT=${String(raw)}`,
      env: { TRACING_CAPTURE_CONTENT: String(raw) },
      pick: (c: ResolvedTracingConfig) => c.captureContent,
      expected: value,
    })),
    { title: 'TRACING_COST_TRACKING=false', env: { TRACING_COST_TRACKING: 'false' }, pick: (c) => c.costTracking, expected: false },
    { title: 'TRACING_PRICING_FILE', env: { TRACING_PRICING_FILE: '/etc/prices.json' }, pick: (c) => c.pricing.file, expected: '/etc/prices.json' },
    { title: 'TRACING_MAX_CONTENT_LENGTH', env: { TRACING_MAX_CONTENT_LENGTH: '100' }, pick: (c) => c.maxContentLength, expected: 100 },
    { title: 'TRACING_SHUTDOWN_TIMEOUT', env: { TRACING_SHUTDOWN_TIMEOUT: '250' }, pick: (c) => c.shutdownTimeoutMillis, expected: 250 },
    { title: 'TRACING_HTTP_ENABLED=false', env: { TRACING_HTTP_ENABLED: 'false' }, pick: (c) => c.http.enabled, expected: false },
    { title: 'TRACING_WEBSOCKET_ENABLED=false', env: { TRACING_WEBSOCKET_ENABLED: 'false' }, pick: (c) => c.websocket.enabled, expected: false },
    {
      title: 'TRACING_STORE_ENABLED=true: store on, explorer on, exporter none by default',
      env: { TRACING_STORE_ENABLED: 'true' },
      pick: (c) => [c.store.enabled, c.store.path, c.explorer.enabled, exporterOf(c)],
      expected: [true, '.traces/traces.db', true, 'none'],
    },
    {
      title: 'TRACING_STORE_PATH alone turns the store on',
      env: { TRACING_STORE_PATH: '/data/traces.db' },
      pick: (c) => [c.store.enabled, c.store.path],
      expected: [true, '/data/traces.db'],
    },
    {
      title: 'TRACING_STORE_RETENTION_DAYS and TRACING_STORE_MAX_TRACES',
      env: { TRACING_STORE_ENABLED: 'true', TRACING_STORE_RETENTION_DAYS: '0.5', TRACING_STORE_MAX_TRACES: '20' },
      pick: (c) => [c.store.retentionDays, c.store.maxTraces],
      expected: [0.5, 20],
    },
    {
      title: 'TRACING_STORE_MAX_SPANS_PER_TRACE, _MAX_SIZE_MB, _MAX_QUEUE_SIZE and _QUERY_TIMEOUT',
      env: {
        TRACING_STORE_ENABLED: 'true',
        TRACING_STORE_MAX_SPANS_PER_TRACE: '50',
        TRACING_STORE_MAX_SIZE_MB: '12.5',
        TRACING_STORE_MAX_QUEUE_SIZE: '100',
        TRACING_STORE_QUERY_TIMEOUT: '2500',
      },
      pick: (c) => [c.store.maxSpansPerTrace, c.store.maxSizeMb, c.store.maxQueueSize, c.store.queryTimeoutMillis],
      expected: [50, 12.5, 100, 2500],
    },
    // Closed unless NODE_ENV clearly names a development machine: case and whitespace do not matter, and
    // anything else (prod, staging, a typo) counts as deployed.
    ...[
      ['production', false],
      ['Production', false],
      [' production ', false],
      ['PRODUCTION', false],
      ['prod', false],
      ['staging', false],
      ['stage', false],
      ['preview', false],
      ['qa', false],
      ['development', true],
      ['Development ', true],
      ['dev', true],
      ['local', true],
      ['test', true],
      ['', true],
    ].map(([nodeEnv, open]) => ({
      title: `NODE_ENV=${JSON.stringify(nodeEnv)}: the explorer is ${open ? 'on' : 'off'} by default`,
      env: { TRACING_STORE_ENABLED: 'true', NODE_ENV: String(nodeEnv) },
      pick: (c: ResolvedTracingConfig) => [c.explorer.enabled, c.explorer.deployed],
      expected: [open, !open],
    })),
    {
      title: 'TRACING_EXPLORER_ALLOWED_HOSTS: comma-separated, lower-cased',
      env: { TRACING_STORE_ENABLED: 'true', TRACING_EXPLORER_ALLOWED_HOSTS: 'MyApp.test, .example.com,10.0.0.5,[fd00::1]' },
      pick: (c) => c.explorer.allowedHosts,
      expected: ['myapp.test', '.example.com', '10.0.0.5', '[fd00::1]'],
    },
    {
      title: 'TRACING_HTTP_TRUST_REMOTE_SAMPLING=false',
      env: { TRACING_HTTP_TRUST_REMOTE_SAMPLING: 'false' },
      pick: (c) => c.http.trustRemoteSampling,
      expected: false,
    },
    {
      title: 'TRACING_EXPLORER_ENABLED=true in production',
      env: { TRACING_STORE_ENABLED: 'true', NODE_ENV: 'production', TRACING_EXPLORER_ENABLED: 'true' },
      pick: (c) => c.explorer.enabled,
      expected: true,
    },
    {
      title: 'TRACING_EXPLORER_PATH (trailing slash dropped) and TRACING_EXPLORER_TOKEN',
      env: { TRACING_STORE_ENABLED: 'true', TRACING_EXPLORER_PATH: '/ops/traces/', TRACING_EXPLORER_TOKEN: 's3cret' },
      pick: (c) => c.explorer,
      expected: { enabled: true, path: '/ops/traces', token: 's3cret', allowedHosts: [], deployed: false },
    },
  ]);
});

describe('precedence: explicit options > environment > defaults', () => {
  const env: Env = {
    TRACING_ENABLED: 'false',
    OTEL_SERVICE_NAME: 'env-service',
    TRACING_EXPORTER: 'console',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env:4318/v1/traces',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_HEADERS: 'a=env,b=env',
    TRACING_SAMPLE_RATE: '0.2',
    TRACING_CAPTURE_CONTENT: 'false',
    TRACING_COST_TRACKING: 'false',
    TRACING_PRICING_FILE: '/env/prices.json',
    OTEL_RESOURCE_ATTRIBUTES: 'team=env,region=eu',
    OTEL_BSP_SCHEDULE_DELAY: '9000',
    OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '10',
    TRACING_SHUTDOWN_TIMEOUT: '9000',
  };
  const options: TracingModuleOptions = {
    enabled: true,
    serviceName: 'option-service',
    exporter: 'memory',
    otlp: { endpoint: 'http://option:4318/v1/traces', protocol: 'http/protobuf', headers: { b: 'option' } },
    sampleRate: 0.9,
    captureContent: true,
    costTracking: true,
    pricing: { file: '/option/prices.json' },
    resourceAttributes: { team: 'option' },
    batch: { scheduledDelayMillis: 10 },
    attributeValueLengthLimit: 1000,
    shutdownTimeoutMillis: 100,
  };
  const fields: Array<[string, (c: ResolvedTracingConfig) => unknown, unknown, unknown, unknown]> = [
    // [field, pick, with options, env only, defaults]
    ['enabled', (c) => c.enabled, true, false, true],
    ['serviceName', (c) => c.serviceName, 'option-service', 'env-service', 'nestjs-app'],
    ['exporter', (c) => exporterOf(c), 'memory', 'console', 'console'],
    ['otlp.endpoint', (c) => c.otlp.endpoint, 'http://option:4318/v1/traces', 'http://env:4318/v1/traces', 'http://localhost:4318/v1/traces'],
    ['otlp.protocol', (c) => c.otlp.protocol, 'http/protobuf', 'http/json', 'http/protobuf'],
    ['otlp.headers', (c) => c.otlp.headers, { a: 'env', b: 'option' }, { a: 'env', b: 'env' }, {}],
    ['sampleRate', (c) => c.sampleRate, 0.9, 0.2, 1],
    ['captureContent', (c) => c.captureContent, true, false, false],
    ['costTracking', (c) => c.costTracking, true, false, true],
    ['pricing.file', (c) => c.pricing.file, '/option/prices.json', '/env/prices.json', undefined],
    ['resourceAttributes', (c) => c.resourceAttributes, { team: 'option', region: 'eu' }, { team: 'env', region: 'eu' }, {}],
    ['batch.scheduledDelayMillis', (c) => c.batch.scheduledDelayMillis, 10, 9000, 5000],
    ['attributeValueLengthLimit', (c) => c.attributeValueLengthLimit, 1000, 10, undefined],
    ['shutdownTimeoutMillis', (c) => c.shutdownTimeoutMillis, 100, 9000, 5000],
  ];
  for (const [field, pick, withOptions, envOnly, defaults] of fields) {
    it(field, () => {
      assert.deepEqual(pick(resolve(env, options)), withOptions, 'explicit option wins');
      assert.deepEqual(pick(resolve(env)), envOnly, 'environment when no option');
      assert.deepEqual(pick(resolve({})), defaults, 'default when neither');
    });
  }

  it('an otlp.endpoint option alone selects the otlp exporter', () => {
    assert.equal(exporterOf(resolve({}, { otlp: { endpoint: 'http://collector:4318/v1/traces' } })), 'otlp');
  });

  it('accepts a SpanExporter instance as exporter', () => {
    const exporter = new InMemorySpanExporter();
    assert.equal(exporterOf(resolve({ TRACING_EXPORTER: 'console' }, { exporter })), exporter);
  });
});

describe('a provider the app supplies keeps its own OTEL_* pipeline settings', () => {
  const otherSdkEnv: Env = {
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317',
    OTEL_TRACES_EXPORTER: 'otlp,console',
    OTEL_TRACES_SAMPLER: 'parentbased_jaeger_remote',
    OTEL_BSP_MAX_QUEUE_SIZE: '0',
    OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: 'none',
    OTEL_SERVICE_NAME: 'shared-name',
  };

  it('does not read or reject them with the tracerProvider option', () => {
    const provider = trace.getTracerProvider();
    const c = resolve(otherSdkEnv, { tracerProvider: provider });
    assert.equal(c.tracerProvider, provider);
    assert.equal(c.serviceName, 'shared-name', 'OTEL_SERVICE_NAME is still read');
    assert.equal(c.otlp.protocol, 'http/protobuf');
  });

  it('does not read or reject them when a provider is registered globally', () => {
    assert.equal(resolveTracingConfig({}, envOf(otherSdkEnv), true).sampleRate, 1);
  });

  it('still rejects them when the module builds the provider', () => {
    assert.throws(() => resolveTracingConfig({}, envOf(otherSdkEnv), false), TracingConfigError);
  });

  it('still rejects bad TRACING_* variables and OTEL_SDK_DISABLED', () => {
    assert.throws(() => resolveTracingConfig({}, envOf({ TRACING_SAMPLE_RATE: '2' }), true), TracingConfigError);
    assert.throws(() => resolveTracingConfig({}, envOf({ OTEL_SDK_DISABLED: 'maybe' }), true), TracingConfigError);
  });
});

/** Bad input: [what, env, options, exact error text]. */
const BAD_INPUT: Array<[string, Env, TracingModuleOptions, string]> = [
  [
    'TRACING_SAMPLE_RATE=2',
    { TRACING_SAMPLE_RATE: '2' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_SAMPLE_RATE="2": expected a number from 0 to 1',
  ],
  [
    'TRACING_SAMPLE_RATE=half',
    { TRACING_SAMPLE_RATE: 'half' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_SAMPLE_RATE="half": expected a number from 0 to 1',
  ],
  [
    'TRACING_EXPORTER=jaegr',
    { TRACING_EXPORTER: 'jaegr' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_EXPORTER="jaegr": expected a comma-separated list of "otlp", "console", "memory", "none"',
  ],
  [
    'OTEL_EXPORTER_OTLP_ENDPOINT=not a url',
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_EXPORTER_OTLP_ENDPOINT="not a url": expected an absolute http:// or https:// URL',
  ],
  [
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=ftp://collector/traces',
    { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/traces' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="ftp://collector/traces": expected an absolute http:// or https:// URL',
  ],
  [
    'TRACING_CAPTURE_CONTENT=maybe',
    { TRACING_CAPTURE_CONTENT: 'maybe' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_CAPTURE_CONTENT="maybe": expected a boolean (true/false, 1/0, yes/no, on/off)',
  ],
  [
    'OTEL_SDK_DISABLED=sometimes',
    { OTEL_SDK_DISABLED: 'sometimes' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_SDK_DISABLED="sometimes": expected a boolean (true/false, 1/0, yes/no, on/off)',
  ],
  [
    'TRACING_ENABLED=enabled',
    { TRACING_ENABLED: 'enabled' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_ENABLED="enabled": expected a boolean (true/false, 1/0, yes/no, on/off)',
  ],
  [
    'TRACING_COST_TRACKING=2',
    { TRACING_COST_TRACKING: '2' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_COST_TRACKING="2": expected a boolean (true/false, 1/0, yes/no, on/off)',
  ],
  [
    'OTEL_EXPORTER_OTLP_PROTOCOL=thrift',
    { OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_EXPORTER_OTLP_PROTOCOL="thrift": expected one of "http/protobuf", "http/json", "grpc"',
  ],
  [
    'OTEL_TRACES_SAMPLER=jaeger_remote',
    { OTEL_TRACES_SAMPLER: 'jaeger_remote' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_TRACES_SAMPLER="jaeger_remote": expected one of "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"',
  ],
  [
    'OTEL_TRACES_SAMPLER_ARG=1.5',
    { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_TRACES_SAMPLER_ARG="1.5": expected a number from 0 to 1',
  ],
  [
    'OTEL_TRACES_EXPORTER=zipkin',
    { OTEL_TRACES_EXPORTER: 'zipkin' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_TRACES_EXPORTER="zipkin": expected a comma-separated list of "otlp", "console", "none"',
  ],
  [
    'OTEL_RESOURCE_ATTRIBUTES without =',
    { OTEL_RESOURCE_ATTRIBUTES: 'team=ai,oops' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_RESOURCE_ATTRIBUTES="team=ai,oops": expected a comma-separated list of key=value pairs',
  ],
  [
    'OTEL_RESOURCE_ATTRIBUTES with a broken percent-encoding',
    { OTEL_RESOURCE_ATTRIBUTES: 'team=%E0%A4%A' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_RESOURCE_ATTRIBUTES="team=%E0%A4%A": expected percent-encoded values in key=value pairs',
  ],
  [
    'OTEL_EXPORTER_OTLP_HEADERS without =',
    { OTEL_EXPORTER_OTLP_HEADERS: 'Bearer xyz' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_EXPORTER_OTLP_HEADERS="Bearer xyz": expected a comma-separated list of key=value pairs',
  ],
  [
    'OTEL_EXPORTER_OTLP_TIMEOUT=0',
    { OTEL_EXPORTER_OTLP_TIMEOUT: '0' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_EXPORTER_OTLP_TIMEOUT="0": expected an integer >= 1',
  ],
  [
    'OTEL_BSP_MAX_QUEUE_SIZE=0',
    { OTEL_BSP_MAX_QUEUE_SIZE: '0' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_BSP_MAX_QUEUE_SIZE="0": expected an integer >= 1',
  ],
  [
    'OTEL_BSP_SCHEDULE_DELAY=-1',
    { OTEL_BSP_SCHEDULE_DELAY: '-1' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_BSP_SCHEDULE_DELAY="-1": expected an integer >= 0',
  ],
  [
    'OTEL_BSP_EXPORT_TIMEOUT=1.5',
    { OTEL_BSP_EXPORT_TIMEOUT: '1.5' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_BSP_EXPORT_TIMEOUT="1.5": expected an integer >= 1',
  ],
  [
    'OTEL_BSP_MAX_EXPORT_BATCH_SIZE above OTEL_BSP_MAX_QUEUE_SIZE',
    { OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_BSP_MAX_EXPORT_BATCH_SIZE="100": expected an integer <= the max queue size (10)',
  ],
  [
    'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT=-5',
    { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '-5' },
    {},
    'nestjs-ai-tracing: invalid environment variable OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT="-5": expected an integer >= 0',
  ],
  [
    'TRACING_SHUTDOWN_TIMEOUT=soon',
    { TRACING_SHUTDOWN_TIMEOUT: 'soon' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_SHUTDOWN_TIMEOUT="soon": expected an integer >= 1',
  ],
  [
    'TRACING_STORE_ENABLED=sure',
    { TRACING_STORE_ENABLED: 'sure' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_STORE_ENABLED="sure": expected a boolean (true/false, 1/0, yes/no, on/off)',
  ],
  [
    'TRACING_STORE_RETENTION_DAYS=0',
    { TRACING_STORE_RETENTION_DAYS: '0' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_STORE_RETENTION_DAYS="0": expected a number >= 0.001',
  ],
  [
    'TRACING_STORE_MAX_TRACES=lots',
    { TRACING_STORE_MAX_TRACES: 'lots' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_STORE_MAX_TRACES="lots": expected an integer >= 1',
  ],
  [
    'TRACING_EXPLORER_ENABLED=true without the store',
    { TRACING_EXPLORER_ENABLED: 'true' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_EXPLORER_ENABLED="true": expected false unless the trace store is enabled (store.enabled or TRACING_STORE_ENABLED)',
  ],
  [
    'TRACING_EXPLORER_PATH without a leading slash',
    { TRACING_STORE_ENABLED: 'true', TRACING_EXPLORER_PATH: 'traces' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_EXPLORER_PATH="traces": expected a URL path starting with "/"',
  ],
  ['option sampleRate: 2', {}, { sampleRate: 2 }, 'nestjs-ai-tracing: invalid option sampleRate=2: expected a number from 0 to 1'],
  ['option sampleRate: -0.1', {}, { sampleRate: -0.1 }, 'nestjs-ai-tracing: invalid option sampleRate=-0.1: expected a number from 0 to 1'],
  [
    "option exporter: 'jaegr'",
    {},
    { exporter: 'jaegr' as 'otlp' },
    'nestjs-ai-tracing: invalid option exporter="jaegr": expected one of "otlp", "console", "memory", "none"',
  ],
  [
    'option exporter: an object that is not a SpanExporter',
    {},
    { exporter: {} as unknown as 'otlp' },
    'nestjs-ai-tracing: invalid option exporter=object: expected one of "otlp", "console", "memory", "none", a SpanExporter instance, or an array of them',
  ],
  [
    'option enabled: 1',
    {},
    { enabled: 1 as unknown as boolean },
    'nestjs-ai-tracing: invalid option enabled=1: expected a boolean (true/false, 1/0, yes/no, on/off)',
  ],
  [
    "option captureContent: 'maybe'",
    {},
    { captureContent: 'maybe' as unknown as boolean },
    'nestjs-ai-tracing: invalid option captureContent="maybe": expected a boolean (true/false, 1/0, yes/no, on/off)',
  ],
  ['option serviceName: 42', {}, { serviceName: 42 as unknown as string }, 'nestjs-ai-tracing: invalid option serviceName=42: expected a non-empty string'],
  [
    "option otlp.endpoint: 'collector:4318'",
    {},
    { otlp: { endpoint: 'collector:4318' } },
    'nestjs-ai-tracing: invalid option otlp.endpoint="collector:4318": expected an absolute http:// or https:// URL',
  ],
  [
    "option otlp.protocol: 'thrift'",
    {},
    { otlp: { protocol: 'thrift' as 'http/json' } },
    'nestjs-ai-tracing: invalid option otlp.protocol="thrift": expected one of "http/protobuf", "http/json", "grpc"',
  ],
  [
    'option otlp.headers with a non-string value',
    {},
    { otlp: { headers: { 'x-retries': 3 as unknown as string } } },
    'nestjs-ai-tracing: invalid option otlp.headers.x-retries=3: expected a string',
  ],
  [
    "option redactKeys: 'password'",
    {},
    { redactKeys: 'password' as unknown as string[] },
    'nestjs-ai-tracing: invalid option redactKeys="password": expected an array of non-empty strings',
  ],
  [
    'option resourceAttributes: array',
    {},
    { resourceAttributes: ['team'] as unknown as Record<string, string> },
    'nestjs-ai-tracing: invalid option resourceAttributes=array: expected an object of attribute values',
  ],
  ['option batch.maxQueueSize: 0', {}, { batch: { maxQueueSize: 0 } }, 'nestjs-ai-tracing: invalid option batch.maxQueueSize=0: expected an integer >= 1'],
  [
    'option batch.maxExportBatchSize above batch.maxQueueSize',
    {},
    { batch: { maxQueueSize: 8, maxExportBatchSize: 9 } },
    'nestjs-ai-tracing: invalid option batch.maxExportBatchSize=9: expected an integer <= the max queue size (8)',
  ],
  [
    'option shutdownTimeoutMillis: 0',
    {},
    { shutdownTimeoutMillis: 0 },
    'nestjs-ai-tracing: invalid option shutdownTimeoutMillis=0: expected an integer >= 1',
  ],
  [
    'option attributeValueLengthLimit: 1.5',
    {},
    { attributeValueLengthLimit: 1.5 },
    'nestjs-ai-tracing: invalid option attributeValueLengthLimit=1.5: expected an integer >= 0',
  ],
  [
    'option pricing.models: object',
    {},
    { pricing: { models: {} as unknown as [] } },
    'nestjs-ai-tracing: invalid option pricing.models=object: expected an array of ModelPrice entries',
  ],
  [
    'option pricing.deployments entry without a model',
    {},
    { pricing: { deployments: { prod: { provider: 'openai' } as unknown as { provider: string; model: string } } } },
    'nestjs-ai-tracing: invalid option pricing.deployments.prod=object: expected an object { provider: string; model: string }',
  ],
  [
    'option http.ignorePaths with a number',
    {},
    { http: { ignorePaths: [42] as unknown as string[] } },
    'nestjs-ai-tracing: invalid option http.ignorePaths=array: expected an array of strings and RegExps',
  ],
  [
    "option http.userId: 'sub'",
    {},
    { http: { userId: 'sub' as unknown as () => string } },
    'nestjs-ai-tracing: invalid option http.userId="sub": expected a function',
  ],
  [
    'option store.retentionDays: 0',
    {},
    { store: { enabled: true, retentionDays: 0 } },
    'nestjs-ai-tracing: invalid option store.retentionDays=0: expected a number >= 0.001',
  ],
  [
    'option explorer.enabled: true without the store',
    {},
    { explorer: { enabled: true } },
    'nestjs-ai-tracing: invalid option explorer.enabled=true: expected false unless the trace store is enabled (store.enabled or TRACING_STORE_ENABLED)',
  ],
  [
    'TRACING_STORE_MAX_SPANS_PER_TRACE=0',
    { TRACING_STORE_MAX_SPANS_PER_TRACE: '0' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_STORE_MAX_SPANS_PER_TRACE="0": expected an integer >= 1',
  ],
  [
    'TRACING_STORE_MAX_SIZE_MB=1GB',
    { TRACING_STORE_MAX_SIZE_MB: '1GB' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_STORE_MAX_SIZE_MB="1GB": expected a number >= 1',
  ],
  ['option store.maxSizeMb: 0.5', {}, { store: { maxSizeMb: 0.5 } }, 'nestjs-ai-tracing: invalid option store.maxSizeMb=0.5: expected a number >= 1'],
  [
    'TRACING_STORE_QUERY_TIMEOUT=-1',
    { TRACING_STORE_QUERY_TIMEOUT: '-1' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_STORE_QUERY_TIMEOUT="-1": expected an integer >= 1',
  ],
  [
    'option store.maxQueueSize: 1.5',
    {},
    { store: { maxQueueSize: 1.5 } },
    'nestjs-ai-tracing: invalid option store.maxQueueSize=1.5: expected an integer >= 1',
  ],
  [
    'option explorer.allowedHosts with a port',
    {},
    { store: { enabled: true }, explorer: { allowedHosts: ['myapp.test:3000'] } },
    'nestjs-ai-tracing: invalid option explorer.allowedHosts="myapp.test:3000": expected host names without a port, e.g. ["myapp.test", ".example.com", "10.0.0.5", "[fd00::1]"]',
  ],
  [
    'TRACING_EXPLORER_ALLOWED_HOSTS with a URL',
    { TRACING_EXPLORER_ALLOWED_HOSTS: 'http://myapp.test' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_EXPLORER_ALLOWED_HOSTS="http://myapp.test": expected host names without a port, e.g. ["myapp.test", ".example.com", "10.0.0.5", "[fd00::1]"]',
  ],
  [
    "option explorer.allowedHosts: 'myapp.test'",
    {},
    { explorer: { allowedHosts: 'myapp.test' as unknown as string[] } },
    'nestjs-ai-tracing: invalid option explorer.allowedHosts="myapp.test": expected host names without a port, e.g. ["myapp.test", ".example.com", "10.0.0.5", "[fd00::1]"]',
  ],
  [
    'TRACING_HTTP_TRUST_REMOTE_SAMPLING=never',
    { TRACING_HTTP_TRUST_REMOTE_SAMPLING: 'never' },
    {},
    'nestjs-ai-tracing: invalid environment variable TRACING_HTTP_TRUST_REMOTE_SAMPLING="never": expected a boolean (true/false, 1/0, yes/no, on/off)',
  ],
  ["option redactKeys: ['***']", {}, { redactKeys: ['***'] }, 'nestjs-ai-tracing: invalid option redactKeys="***": expected keys with at least one letter or digit, optionally starting with * to match key endings'],
  [
    'option redactDefaultKeys: 42',
    {},
    { redactDefaultKeys: 42 as unknown as boolean },
    'nestjs-ai-tracing: invalid option redactDefaultKeys=42: expected a boolean (true/false, 1/0, yes/no, on/off)',
  ],
  [
    "option explorer.path: 'traces'",
    {},
    { store: { enabled: true }, explorer: { path: 'traces' } },
    'nestjs-ai-tracing: invalid option explorer.path="traces": expected a URL path starting with "/"',
  ],
];

describe('bad input fails with one error naming the setting, the value and what is allowed', () => {
  for (const [what, env, options, message] of BAD_INPUT) {
    it(what, () => {
      assert.throws(
        () => resolve(env, options),
        (error: unknown) => {
          assert.ok(error instanceof TracingConfigError, `a TracingConfigError, got ${String(error)}`);
          assert.equal(error.name, 'TracingConfigError');
          assert.equal(error.message, message);
          return true;
        },
      );
    });
  }
});

describe('bad input fails application bootstrap', () => {
  const files = tempDir('tracing-env-config');
  let restoreEnv: () => void = () => undefined;
  beforeEach(() => {
    restoreEnv = isolateEnv();
  });
  afterEach(() => restoreEnv());
  after(() => files.cleanup());

  const rejectsWith = (message: string) => (error: unknown) => {
    assert.ok(error instanceof TracingConfigError, `a TracingConfigError, got ${String(error)}`);
    assert.equal(error.message, message);
    return true;
  };

  const ENV_CASES: Array<[Env, string]> = [
    [{ TRACING_SAMPLE_RATE: '2' }, 'nestjs-ai-tracing: invalid environment variable TRACING_SAMPLE_RATE="2": expected a number from 0 to 1'],
    [
      { TRACING_EXPORTER: 'jaegr' },
      'nestjs-ai-tracing: invalid environment variable TRACING_EXPORTER="jaegr": expected a comma-separated list of "otlp", "console", "memory", "none"',
    ],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' },
      'nestjs-ai-tracing: invalid environment variable OTEL_EXPORTER_OTLP_ENDPOINT="not a url": expected an absolute http:// or https:// URL',
    ],
    [
      { TRACING_CAPTURE_CONTENT: 'maybe' },
      'nestjs-ai-tracing: invalid environment variable TRACING_CAPTURE_CONTENT="maybe": expected a boolean (true/false, 1/0, yes/no, on/off)',
    ],
  ];

  for (const [vars, message] of ENV_CASES) {
    const [name, value] = Object.entries(vars)[0]!;
    it(`process.env ${name}=${value}: TracingModule.forRoot() fails compile()`, async () => {
      Object.assign(process.env, vars);
      await assert.rejects(Test.createTestingModule({ imports: [TracingModule.forRoot()] }).compile(), rejectsWith(message));
    });

    it(`.env file ${name}=${value} through ConfigService: forRootAsync fails compile()`, async () => {
      const envFile = files.file(`${name}.env`, dotenv(vars));
      const configModule = await ConfigModule.forRoot({ envFilePath: envFile, ignoreEnvFile: false, isGlobal: true });
      const tracing = TracingModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: () => ({}) });
      await assert.rejects(Test.createTestingModule({ imports: [configModule, tracing] }).compile(), rejectsWith(message));
    });
  }

  it('a value only in ConfigService (load factory) fails compile()', async () => {
    const configModule = await ConfigModule.forRoot({ ignoreEnvFile: true, isGlobal: true, load: [() => ({ TRACING_SAMPLE_RATE: 2 })] });
    const tracing = TracingModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: () => ({}) });
    await assert.rejects(
      Test.createTestingModule({ imports: [configModule, tracing] }).compile(),
      rejectsWith('nestjs-ai-tracing: invalid environment variable TRACING_SAMPLE_RATE="2": expected a number from 0 to 1'),
    );
  });

  it('bad options returned by a forRootAsync factory fail compile()', async () => {
    const tracing = TracingModule.forRootAsync({ useFactory: () => ({ sampleRate: 2 }) });
    await assert.rejects(
      Test.createTestingModule({ imports: [tracing] }).compile(),
      rejectsWith('nestjs-ai-tracing: invalid option sampleRate=2: expected a number from 0 to 1'),
    );
  });

  it("bad forRoot({ exporter: 'jaegr' }) fails compile()", async () => {
    await assert.rejects(
      Test.createTestingModule({ imports: [TracingModule.forRoot({ exporter: 'jaegr' as 'otlp' })] }).compile(),
      rejectsWith('nestjs-ai-tracing: invalid option exporter="jaegr": expected one of "otlp", "console", "memory", "none"'),
    );
  });
});
