import type { ResolvedTracingConfig } from './resolved-config.js';
import type { ExporterName, OtlpProtocol, TracingModuleOptions } from './tracing-options.interface.js';
import { attributesOption, fromOptionOrEnv, headersOption, int } from './option-readers.js';
import { parseEnum, parseKeyValueList, parseNumber, parseString, parseUrl, reject, type EnvReader } from './value-parsers.js';

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

type SdkSettings = Pick<
  ResolvedTracingConfig,
  | 'serviceName'
  | 'serviceVersion'
  | 'resourceAttributes'
  | 'exporter'
  | 'otlp'
  | 'sampleRate'
  | 'parentBasedSampling'
  | 'attributeValueLengthLimit'
  | 'batch'
>;

/** Resource, exporter, OTLP, sampler, span limits and batch processor settings. */
export function resolveSdkSettings(o: TracingModuleOptions, env: EnvReader, storeEnabled: boolean): SdkSettings {
  const otlpEndpointFromOptions = parseUrl('otlp.endpoint', o.otlp?.endpoint);
  const otlpEndpointFromEnv = otlpEndpoint(env);
  const endpointConfigured = otlpEndpointFromOptions !== undefined || otlpEndpointFromEnv !== undefined;
  const sampling = resolveSampling(o, env);
  const resourceFromEnv = parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', env('OTEL_RESOURCE_ATTRIBUTES'));
  return {
    serviceName:
      parseString('serviceName', o.serviceName) ??
      parseString('OTEL_SERVICE_NAME', env('OTEL_SERVICE_NAME')) ??
      resourceFromEnv['service.name'] ??
      env('npm_package_name') ??
      'nestjs-app',
    serviceVersion: parseString('serviceVersion', o.serviceVersion) ?? env('npm_package_version'),
    resourceAttributes: { ...resourceFromEnv, ...attributesOption('resourceAttributes', o.resourceAttributes) },
    exporter: resolveExporter(o, env, endpointConfigured, storeEnabled),
    otlp: {
      endpoint: otlpEndpointFromOptions ?? otlpEndpointFromEnv ?? DEFAULT_OTLP_ENDPOINT,
      headers: {
        ...parseKeyValueList('OTEL_EXPORTER_OTLP_HEADERS', env('OTEL_EXPORTER_OTLP_HEADERS')),
        ...parseKeyValueList('OTEL_EXPORTER_OTLP_TRACES_HEADERS', env('OTEL_EXPORTER_OTLP_TRACES_HEADERS')),
        ...headersOption('otlp.headers', o.otlp?.headers),
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
    sampleRate: sampling.rate,
    parentBasedSampling: sampling.parentBased,
    attributeValueLengthLimit:
      int('attributeValueLengthLimit', o.attributeValueLengthLimit, 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', env, 0) ??
      int('attributeValueLengthLimit', undefined, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', env, 0),
    batch: resolveBatch(o, env),
  };
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

function resolveBatch(o: TracingModuleOptions, env: EnvReader): ResolvedTracingConfig['batch'] {
  const maxQueueSize = int('batch.maxQueueSize', o.batch?.maxQueueSize, 'OTEL_BSP_MAX_QUEUE_SIZE', env, 1) ?? 2048;
  const batchSizeSet = int('batch.maxExportBatchSize', o.batch?.maxExportBatchSize, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', env, 1);
  if (batchSizeSet !== undefined && batchSizeSet > maxQueueSize) {
    const [source, raw] = fromOptionOrEnv('batch.maxExportBatchSize', o.batch?.maxExportBatchSize, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', env);
    reject(source, raw, `an integer <= the max queue size (${maxQueueSize})`);
  }
  return {
    maxQueueSize,
    // Like the SDK: an unset batch size never exceeds a small queue.
    maxExportBatchSize: batchSizeSet ?? Math.min(512, maxQueueSize),
    scheduledDelayMillis: int('batch.scheduledDelayMillis', o.batch?.scheduledDelayMillis, 'OTEL_BSP_SCHEDULE_DELAY', env, 0) ?? 5000,
    exportTimeoutMillis: int('batch.exportTimeoutMillis', o.batch?.exportTimeoutMillis, 'OTEL_BSP_EXPORT_TIMEOUT', env, 1) ?? 30_000,
  };
}
