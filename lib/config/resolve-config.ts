import type { Attributes } from '@opentelemetry/api';
import type { ResolvedTracingConfig } from './resolved-config.js';
import type { ExporterName, OtlpProtocol, TracingModuleOptions } from './tracing-options.interface.js';
import { hasGlobalTracerProvider } from '../sdk/otel-globals.js';
import { defaultPayloadIds, defaultUserId } from './default-readers.js';
import {
  parseBoolean,
  parseEnum,
  parseKeyValueList,
  parseNumber,
  parseString,
  parseUrl,
  reject,
  type EnvReader,
} from './value-parsers.js';

const EXPORTERS: readonly ExporterName[] = ['otlp', 'console', 'memory', 'none'];
const OTEL_EXPORTERS = ['otlp', 'console', 'none'] as const;
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];
const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318/v1/traces';
/** Variables that configure a provider's export pipeline; left to the provider's owner when the app supplies it. */
const PIPELINE_VARIABLE = /^OTEL_(EXPORTER_|TRACES_|BSP_|ATTRIBUTE_|SPAN_)/;

/**
 * The one place configuration is decided: explicit options, then environment, then defaults; every value
 * validated, the first bad one failing bootstrap with a `TracingConfigError` that names it.
 *
 * When the app supplies the tracer provider (`tracerProvider`, or one registered globally, e.g. by a preloaded
 * `NodeSDK`), the exporter, sampler, batch and limit variables (`OTEL_EXPORTER_*`, `OTEL_TRACES_*`, `OTEL_BSP_*`,
 * `OTEL_*ATTRIBUTE*_LIMIT`) configure that provider, not this module: they are not read, so values only the
 * other SDK supports (`OTEL_EXPORTER_OTLP_PROTOCOL=grpc`) never fail bootstrap.
 */
export function resolveTracingConfig(
  options: TracingModuleOptions = {},
  rawEnv: EnvReader = processEnv,
  providerSupplied: boolean = options?.tracerProvider !== undefined || hasGlobalTracerProvider(),
): ResolvedTracingConfig {
  const o = options ?? {};
  const env: EnvReader = providerSupplied ? (name) => (PIPELINE_VARIABLE.test(name) ? undefined : rawEnv(name)) : rawEnv;
  const store = resolveStore(o, env);
  const otlpEndpointFromOptions = parseUrl('otlp.endpoint', o.otlp?.endpoint);
  const otlpEndpointFromEnv = otlpEndpoint(env);
  const endpointConfigured = otlpEndpointFromOptions !== undefined || otlpEndpointFromEnv !== undefined;
  const exporter = resolveExporter(o, env, endpointConfigured, store.enabled);
  const sampling = resolveSampling(o, env);
  const resourceFromEnv = parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', env('OTEL_RESOURCE_ATTRIBUTES'));
  const batchQueue = int('batch.maxQueueSize', o.batch?.maxQueueSize, 'OTEL_BSP_MAX_QUEUE_SIZE', env, 1) ?? 2048;
  const batchSizeSet = int('batch.maxExportBatchSize', o.batch?.maxExportBatchSize, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', env, 1);
  if (batchSizeSet !== undefined && batchSizeSet > batchQueue) {
    const [source, raw] = fromOptionOrEnv('batch.maxExportBatchSize', o.batch?.maxExportBatchSize, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', env);
    reject(source, raw, `an integer <= the max queue size (${batchQueue})`);
  }
  // Like the SDK: an unset batch size never exceeds a small queue.
  const batchSize = batchSizeSet ?? Math.min(512, batchQueue);
  const explorerEnabled =
    parseBoolean('explorer.enabled', o.explorer?.enabled) ??
    parseBoolean('TRACING_EXPLORER_ENABLED', env('TRACING_EXPLORER_ENABLED')) ??
    (store.enabled && env('NODE_ENV') !== 'production');
  if (explorerEnabled && !store.enabled) {
    const [source, raw] = fromOptionOrEnv('explorer.enabled', o.explorer?.enabled, 'TRACING_EXPLORER_ENABLED', env);
    reject(source, raw, 'false unless the trace store is enabled (store.enabled or TRACING_STORE_ENABLED)');
  }
  const explorerPath = parseString('explorer.path', o.explorer?.path) ?? parseString('TRACING_EXPLORER_PATH', env('TRACING_EXPLORER_PATH')) ?? '/_tracing';
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(explorerPath)) {
    const [source, raw] = fromOptionOrEnv('explorer.path', o.explorer?.path, 'TRACING_EXPLORER_PATH', env);
    reject(source, raw, 'a URL path starting with "/"');
  }

  return {
    enabled:
      parseBoolean('enabled', o.enabled) ??
      parseBoolean('TRACING_ENABLED', env('TRACING_ENABLED')) ??
      !(parseBoolean('OTEL_SDK_DISABLED', env('OTEL_SDK_DISABLED')) ?? false),
    serviceName:
      parseString('serviceName', o.serviceName) ??
      parseString('OTEL_SERVICE_NAME', env('OTEL_SERVICE_NAME')) ??
      resourceFromEnv['service.name'] ??
      env('npm_package_name') ??
      'nestjs-app',
    serviceVersion: parseString('serviceVersion', o.serviceVersion) ?? env('npm_package_version'),
    resourceAttributes: { ...resourceFromEnv, ...resourceAttributes(o.resourceAttributes) },
    exporter,
    otlp: {
      endpoint: otlpEndpointFromOptions ?? otlpEndpointFromEnv ?? DEFAULT_OTLP_ENDPOINT,
      headers: {
        ...parseKeyValueList('OTEL_EXPORTER_OTLP_HEADERS', env('OTEL_EXPORTER_OTLP_HEADERS')),
        ...parseKeyValueList('OTEL_EXPORTER_OTLP_TRACES_HEADERS', env('OTEL_EXPORTER_OTLP_TRACES_HEADERS')),
        ...headers(o.otlp?.headers),
      },
      protocol:
        parseEnum('otlp.protocol', o.otlp?.protocol, PROTOCOLS) ??
        parseEnum('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', env('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'), PROTOCOLS) ??
        parseEnum('OTEL_EXPORTER_OTLP_PROTOCOL', env('OTEL_EXPORTER_OTLP_PROTOCOL'), PROTOCOLS) ??
        'http/protobuf',
      timeoutMillis:
        int('otlp.timeoutMillis', o.otlp?.timeoutMillis, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', env, 1) ??
        int('otlp.timeoutMillis', undefined, 'OTEL_EXPORTER_OTLP_TIMEOUT', env, 1) ??
        10_000,
    },
    tracerProvider: o.tracerProvider,
    sampleRate: sampling.rate,
    parentBasedSampling: sampling.parentBased,
    captureContent:
      parseBoolean('captureContent', o.captureContent) ??
      parseBoolean('TRACING_CAPTURE_CONTENT', env('TRACING_CAPTURE_CONTENT')) ??
      false,
    maxContentLength: int('maxContentLength', o.maxContentLength, 'TRACING_MAX_CONTENT_LENGTH', env, 32) ?? 4096,
    costTracking:
      parseBoolean('costTracking', o.costTracking) ??
      parseBoolean('TRACING_COST_TRACKING', env('TRACING_COST_TRACKING')) ??
      true,
    redactKeys: stringList('redactKeys', o.redactKeys),
    attributeValueLengthLimit:
      int('attributeValueLengthLimit', o.attributeValueLengthLimit, 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', env, 0) ??
      int('attributeValueLengthLimit', undefined, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', env, 0),
    batch: {
      maxQueueSize: batchQueue,
      maxExportBatchSize: batchSize,
      scheduledDelayMillis: int('batch.scheduledDelayMillis', o.batch?.scheduledDelayMillis, 'OTEL_BSP_SCHEDULE_DELAY', env, 0) ?? 5000,
      exportTimeoutMillis: int('batch.exportTimeoutMillis', o.batch?.exportTimeoutMillis, 'OTEL_BSP_EXPORT_TIMEOUT', env, 1) ?? 30_000,
    },
    shutdownTimeoutMillis: int('shutdownTimeoutMillis', o.shutdownTimeoutMillis, 'TRACING_SHUTDOWN_TIMEOUT', env, 1) ?? 5000,
    pricing: {
      models: Array.isArray(o.pricing?.models) ? o.pricing.models : o.pricing?.models === undefined ? [] : reject('pricing.models', o.pricing.models, 'an array of ModelPrice entries'),
      file: parseString('pricing.file', o.pricing?.file) ?? parseString('TRACING_PRICING_FILE', env('TRACING_PRICING_FILE')),
      deployments: deployments(o.pricing?.deployments),
      bundled: parseBoolean('pricing.bundled', o.pricing?.bundled) ?? true,
    },
    http: {
      enabled:
        parseBoolean('http.enabled', o.http?.enabled) ?? parseBoolean('TRACING_HTTP_ENABLED', env('TRACING_HTTP_ENABLED')) ?? true,
      ignorePaths: matchers('http.ignorePaths', o.http?.ignorePaths),
      userId: fn('http.userId', o.http?.userId) ?? defaultUserId,
      tenantId: fn('http.tenantId', o.http?.tenantId),
      sessionId: fn('http.sessionId', o.http?.sessionId),
      traceResponseHeader: parseBoolean('http.traceResponseHeader', o.http?.traceResponseHeader) ?? true,
      captureQuery: parseBoolean('http.captureQuery', o.http?.captureQuery) ?? true,
    },
    websocket: {
      enabled:
        parseBoolean('websocket.enabled', o.websocket?.enabled) ??
        parseBoolean('TRACING_WEBSOCKET_ENABLED', env('TRACING_WEBSOCKET_ENABLED')) ??
        true,
      ignoreEvents: matchers('websocket.ignoreEvents', o.websocket?.ignoreEvents),
      attribution: fn('websocket.attribution', o.websocket?.attribution),
      payloadIds: fn('websocket.payloadIds', o.websocket?.payloadIds) ?? defaultPayloadIds,
    },
    store,
    explorer: {
      enabled: explorerEnabled,
      path: explorerPath.length > 1 ? explorerPath.replace(/\/+$/, '') : explorerPath,
      token: parseString('explorer.token', o.explorer?.token) ?? parseString('TRACING_EXPLORER_TOKEN', env('TRACING_EXPLORER_TOKEN')),
    },
  };
}

/** Which of an option and its variable supplied a value (the option wins), for errors that span several settings. */
function fromOptionOrEnv(option: string, value: unknown, variable: string, env: EnvReader): [string, unknown] {
  return value !== undefined ? [option, value] : [variable, env(variable)];
}

function processEnv(name: string): string | undefined {
  return process.env[name];
}

function int(source: string, option: unknown, variable: string, env: EnvReader, min: number): number | undefined {
  return parseNumber(source, option, { min, integer: true }) ?? parseNumber(variable, env(variable), { min, integer: true });
}

function otlpEndpoint(env: EnvReader): string | undefined {
  const traces = parseUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'));
  if (traces) return traces;
  const base = parseUrl('OTEL_EXPORTER_OTLP_ENDPOINT', env('OTEL_EXPORTER_OTLP_ENDPOINT'));
  return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`;
}

function resolveExporter(
  o: TracingModuleOptions,
  env: EnvReader,
  endpointConfigured: boolean,
  storeEnabled: boolean,
): ResolvedTracingConfig['exporter'] {
  if (o.exporter !== undefined && typeof o.exporter === 'object' && o.exporter !== null) {
    if (typeof (o.exporter as { export?: unknown }).export === 'function') return o.exporter;
    return reject('exporter', o.exporter, `one of ${EXPORTERS.map((e) => `"${e}"`).join(', ')} or a SpanExporter instance`);
  }
  return (
    parseEnum('exporter', o.exporter, EXPORTERS) ??
    parseEnum('TRACING_EXPORTER', env('TRACING_EXPORTER'), EXPORTERS) ??
    parseEnum('OTEL_TRACES_EXPORTER', env('OTEL_TRACES_EXPORTER'), OTEL_EXPORTERS) ??
    (endpointConfigured ? 'otlp' : storeEnabled ? 'none' : 'console')
  );
}

function resolveSampling(o: TracingModuleOptions, env: EnvReader): { rate: number; parentBased: boolean } {
  const explicit =
    parseNumber('sampleRate', o.sampleRate, { min: 0, max: 1 }) ??
    parseNumber('TRACING_SAMPLE_RATE', env('TRACING_SAMPLE_RATE'), { min: 0, max: 1 });
  if (explicit !== undefined) return { rate: explicit, parentBased: true };
  const sampler = parseEnum('OTEL_TRACES_SAMPLER', env('OTEL_TRACES_SAMPLER'), SAMPLERS);
  if (sampler === undefined) return { rate: 1, parentBased: true };
  const parentBased = sampler.startsWith('parentbased_');
  if (sampler.endsWith('always_on')) return { rate: 1, parentBased };
  if (sampler.endsWith('always_off')) return { rate: 0, parentBased };
  const arg = parseNumber('OTEL_TRACES_SAMPLER_ARG', env('OTEL_TRACES_SAMPLER_ARG'), { min: 0, max: 1 });
  return { rate: arg ?? 1, parentBased };
}

function resolveStore(o: TracingModuleOptions, env: EnvReader): ResolvedTracingConfig['store'] {
  const s = o.store ?? {};
  const path = parseString('store.path', s.path) ?? parseString('TRACING_STORE_PATH', env('TRACING_STORE_PATH'));
  return {
    enabled:
      parseBoolean('store.enabled', s.enabled) ??
      parseBoolean('TRACING_STORE_ENABLED', env('TRACING_STORE_ENABLED')) ??
      path !== undefined,
    path: path ?? '.traces/traces.db',
    retentionDays:
      parseNumber('store.retentionDays', s.retentionDays, { min: 0.001 }) ??
      parseNumber('TRACING_STORE_RETENTION_DAYS', env('TRACING_STORE_RETENTION_DAYS'), { min: 0.001 }) ??
      7,
    maxTraces: int('store.maxTraces', s.maxTraces, 'TRACING_STORE_MAX_TRACES', env, 1) ?? 100_000,
    maxQueueSize: parseNumber('store.maxQueueSize', s.maxQueueSize, { min: 1, integer: true }) ?? 10_000,
  };
}

function resourceAttributes(value: unknown): Attributes {
  if (value === undefined) return {};
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Attributes;
  return reject('resourceAttributes', value, 'an object of attribute values');
}

function headers(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') reject(`otlp.headers.${k}`, v, 'a string');
    return value as Record<string, string>;
  }
  return reject('otlp.headers', value, 'an object of header name -> string value');
}

function stringList(source: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' && v !== '')) return value as string[];
  return reject(source, value, 'an array of non-empty strings');
}

function matchers(source: string, value: unknown): Array<string | RegExp> {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => (typeof v === 'string' && v !== '') || v instanceof RegExp)) {
    return value as Array<string | RegExp>;
  }
  return reject(source, value, 'an array of strings and RegExps');
}

function fn<T>(source: string, value: T | undefined): T | undefined {
  if (value === undefined || typeof value === 'function') return value;
  return reject(source, value, 'a function');
}

function deployments(value: unknown): Record<string, { provider: string; model: string }> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return reject('pricing.deployments', value, 'an object of name -> { provider, model }');
  }
  for (const [name, target] of Object.entries(value)) {
    const t = target as { provider?: unknown; model?: unknown } | null;
    if (!t || typeof t.provider !== 'string' || t.provider === '' || typeof t.model !== 'string' || t.model === '') {
      reject(`pricing.deployments.${name}`, target, 'an object { provider: string; model: string }');
    }
  }
  return value as Record<string, { provider: string; model: string }>;
}
