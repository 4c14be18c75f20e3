import { randomUUID } from 'node:crypto';
import type { ResolvedTracingConfig } from './resolved-config.js';
import type { PropagatorName, TracingModuleOptions } from './tracing-options.interface.js';
import { resolveExporters, resolveOtlp, TRACES } from './exporter-settings.js';
import { attributesOption, fromOptionOrEnv, int } from './option-readers.js';
import { parseKeyValueList, parseNumber, parseEnum, parseString, reject, type EnvReader } from './value-parsers.js';

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
const PROPAGATORS: readonly PropagatorName[] = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger', 'none'];
const DEFAULT_COUNT_LIMIT = 128;

/** One `service.instance.id` per process: every app of the process (and every restart) is told apart. */
const PROCESS_INSTANCE_ID = randomUUID();

type SdkSettings = Pick<
  ResolvedTracingConfig,
  | 'serviceName'
  | 'serviceVersion'
  | 'serviceInstanceId'
  | 'resourceAttributes'
  | 'exporters'
  | 'otlp'
  | 'sampleRate'
  | 'parentBasedSampling'
  | 'attributeValueLengthLimit'
  | 'spanLimits'
  | 'batch'
  | 'propagators'
>;

/** Resource, exporters, OTLP, sampler, span limits, batch processor and propagator settings. */
export function resolveSdkSettings(o: TracingModuleOptions, env: EnvReader, storeEnabled: boolean): SdkSettings {
  const { endpointConfigured, ...otlp } = resolveOtlp(TRACES, { prefix: 'otlp', ...o.otlp }, env);
  const sampling = resolveSampling(o, env);
  const resourceFromEnv = parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', env('OTEL_RESOURCE_ATTRIBUTES'));
  const resourceAttributes = { ...resourceFromEnv, ...attributesOption('resourceAttributes', o.resourceAttributes) };
  const instanceId = resourceAttributes['service.instance.id'];
  const serviceInstanceId = instanceId === undefined || instanceId === '' ? PROCESS_INSTANCE_ID : String(instanceId);
  return {
    serviceName:
      parseString('serviceName', o.serviceName) ??
      parseString('OTEL_SERVICE_NAME', env('OTEL_SERVICE_NAME')) ??
      resourceFromEnv['service.name'] ??
      env('npm_package_name') ??
      'nestjs-app',
    serviceVersion:
      parseString('serviceVersion', o.serviceVersion) ??
      parseString('OTEL_SERVICE_VERSION', env('OTEL_SERVICE_VERSION')) ??
      resourceFromEnv['service.version'] ??
      env('npm_package_version'),
    serviceInstanceId,
    resourceAttributes,
    exporters: resolveExporters(o, env, endpointConfigured, storeEnabled),
    otlp,
    sampleRate: sampling.rate,
    parentBasedSampling: sampling.parentBased,
    attributeValueLengthLimit:
      int('attributeValueLengthLimit', o.attributeValueLengthLimit, 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', env, 0) ??
      int('attributeValueLengthLimit', undefined, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', env, 0),
    spanLimits: resolveSpanLimits(o, env),
    batch: resolveBatch(o, env),
    propagators: resolvePropagators(o, env),
  };
}

/** Count limits: the option, else the specific variable, else the general `OTEL_ATTRIBUTE_COUNT_LIMIT` where it applies. */
function resolveSpanLimits(o: TracingModuleOptions, env: EnvReader): ResolvedTracingConfig['spanLimits'] {
  const l = o.spanLimits ?? {};
  const general = int('OTEL_ATTRIBUTE_COUNT_LIMIT', undefined, 'OTEL_ATTRIBUTE_COUNT_LIMIT', env, 0);
  const limit = (field: keyof typeof l, ...variables: string[]) => {
    let value = int(`spanLimits.${field}`, l[field], variables[0]!, env, 0);
    for (const variable of variables.slice(1)) value ??= int(variable, undefined, variable, env, 0);
    return value;
  };
  return {
    attributeCountLimit: limit('attributeCountLimit', 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT') ?? general ?? DEFAULT_COUNT_LIMIT,
    eventCountLimit: limit('eventCountLimit', 'OTEL_SPAN_EVENT_COUNT_LIMIT') ?? DEFAULT_COUNT_LIMIT,
    linkCountLimit: limit('linkCountLimit', 'OTEL_SPAN_LINK_COUNT_LIMIT') ?? DEFAULT_COUNT_LIMIT,
    attributePerEventCountLimit:
      limit('attributePerEventCountLimit', 'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', 'OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT') ??
      general ??
      DEFAULT_COUNT_LIMIT,
    attributePerLinkCountLimit:
      limit('attributePerLinkCountLimit', 'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', 'OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT') ??
      general ??
      DEFAULT_COUNT_LIMIT,
  };
}

/** `propagators` option or `OTEL_PROPAGATORS` (comma list; `none` only alone); undefined = the default. */
function resolvePropagators(o: TracingModuleOptions, env: EnvReader): PropagatorName[] | undefined {
  const allowed = `${PROPAGATORS.map((p) => `"${p}"`).join(', ')} ("none" only alone)`;
  let names: PropagatorName[];
  let source: string;
  let raw: unknown;
  if (o.propagators !== undefined) {
    [source, raw] = ['propagators', o.propagators];
    if (!Array.isArray(o.propagators)) reject(source, raw, `an array of ${allowed}`);
    names = o.propagators.map((p, i) => parseEnum(`propagators[${i}]`, p, PROPAGATORS) ?? reject(`propagators[${i}]`, p, `one of ${allowed}`));
  } else {
    [source, raw] = ['OTEL_PROPAGATORS', env('OTEL_PROPAGATORS')];
    if (raw === undefined || (raw as string).trim() === '') return undefined;
    names = (raw as string)
      .split(',')
      .filter((part) => part.trim() !== '')
      .map((part) => PROPAGATORS.find((p) => p === part.trim().toLowerCase()) ?? reject(source, raw, `a comma-separated list of ${allowed}`));
  }
  const unique = [...new Set(names)];
  if (unique.includes('none')) {
    if (unique.length > 1) reject(source, raw, `a list of ${allowed}`);
    return [];
  }
  return unique;
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
