import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpSettings, ResolvedTracingConfig } from './resolved-config.js';
import type { ExporterChoice, ExporterName, OtlpProtocol, TracingModuleOptions } from './tracing-options.interface.js';
import { headersOption, int } from './option-readers.js';
import { parseEnum, parseKeyValueList, parseUrl, reject, type EnvReader } from './value-parsers.js';

const EXPORTERS: readonly ExporterName[] = ['otlp', 'console', 'memory', 'none'];
const OTEL_EXPORTERS: readonly ExporterName[] = ['otlp', 'console', 'none'];
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

/** An OTLP signal: its path under a base endpoint and the infix of its specific variables. */
type Signal = { path: '/v1/traces' | '/v1/metrics'; infix: 'TRACES' | 'METRICS' };
export const TRACES: Signal = { path: '/v1/traces', infix: 'TRACES' };
export const METRICS: Signal = { path: '/v1/metrics', infix: 'METRICS' };

/** Option values of one signal's OTLP settings (`otlp` or `metrics`), with the option path they live under. */
export interface OtlpOptionValues {
  prefix: string;
  endpoint?: unknown;
  headers?: unknown;
  protocol?: unknown;
  timeoutMillis?: unknown;
}

/**
 * Endpoint, headers, protocol and timeout of one signal, from options, then the signal's own variables
 * (`OTEL_EXPORTER_OTLP_TRACES_*`), then the shared ones (`OTEL_EXPORTER_OTLP_*`). A shared endpoint gets the
 * signal's path over HTTP and is used as is over gRPC, as the OTLP exporter specification says.
 */
export function resolveOtlp(signal: Signal, o: OtlpOptionValues, env: EnvReader): OtlpSettings & { endpointConfigured: boolean } {
  const specific = (name: string) => `OTEL_EXPORTER_OTLP_${signal.infix}_${name}`;
  const protocol =
    parseEnum(`${o.prefix}.protocol`, o.protocol, PROTOCOLS) ??
    parseEnum(specific('PROTOCOL'), env(specific('PROTOCOL')), PROTOCOLS) ??
    parseEnum('OTEL_EXPORTER_OTLP_PROTOCOL', env('OTEL_EXPORTER_OTLP_PROTOCOL'), PROTOCOLS) ??
    'http/protobuf';
  const fromOption = parseUrl(`${o.prefix}.endpoint`, o.endpoint);
  const fromSpecific = parseUrl(specific('ENDPOINT'), env(specific('ENDPOINT')));
  const base = parseUrl('OTEL_EXPORTER_OTLP_ENDPOINT', env('OTEL_EXPORTER_OTLP_ENDPOINT'));
  const fromBase = base === undefined || protocol === 'grpc' ? base : `${base.replace(/\/+$/, '')}${signal.path}`;
  const configured = fromOption ?? fromSpecific ?? fromBase;
  return {
    endpoint: configured ?? (protocol === 'grpc' ? 'http://localhost:4317' : `http://localhost:4318${signal.path}`),
    endpointConfigured: configured !== undefined,
    headers: {
      ...parseKeyValueList('OTEL_EXPORTER_OTLP_HEADERS', env('OTEL_EXPORTER_OTLP_HEADERS')),
      ...parseKeyValueList(specific('HEADERS'), env(specific('HEADERS'))),
      ...headersOption(`${o.prefix}.headers`, o.headers),
    },
    protocol,
    timeoutMillis:
      int(`${o.prefix}.timeoutMillis`, o.timeoutMillis, specific('TIMEOUT'), env, 1) ??
      int(`${o.prefix}.timeoutMillis`, undefined, 'OTEL_EXPORTER_OTLP_TIMEOUT', env, 1) ??
      10_000,
  };
}

/**
 * The exporters spans go to: the `exporter` option (a name, a `SpanExporter`, or a list of both), else
 * `TRACING_EXPORTER`, else `OTEL_TRACES_EXPORTER` (comma lists; `none` only alone), else a default that follows
 * the rest of the configuration. Duplicate names collapse to one, as in the OpenTelemetry Node SDK.
 */
export function resolveExporters(
  o: TracingModuleOptions,
  env: EnvReader,
  endpointConfigured: boolean,
  storeEnabled: boolean,
): ResolvedTracingConfig['exporters'] {
  if (o.exporter !== undefined) return exportersOption(o.exporter);
  return (
    exporterList('TRACING_EXPORTER', env('TRACING_EXPORTER'), EXPORTERS) ??
    exporterList('OTEL_TRACES_EXPORTER', env('OTEL_TRACES_EXPORTER'), OTEL_EXPORTERS) ??
    (endpointConfigured ? ['otlp'] : storeEnabled ? [] : ['console'])
  );
}

function exportersOption(value: unknown): ExporterChoice[] {
  if (isSpanExporter(value)) return [value];
  if (!Array.isArray(value)) {
    if (typeof value === 'object' && value !== null) {
      return reject('exporter', value, `${oneOf(EXPORTERS)}, a SpanExporter instance, or an array of them`);
    }
    const name = parseEnum('exporter', value, EXPORTERS);
    return name === undefined || name === 'none' ? [] : [name];
  }
  const out: ExporterChoice[] = [];
  value.forEach((entry: unknown, i) => {
    const choice = isSpanExporter(entry) ? entry : listedName(`exporter[${i}]`, entry);
    if (!out.includes(choice)) out.push(choice);
  });
  return out;
}

function listedName(source: string, value: unknown): ExporterChoice {
  const allowed = EXPORTERS.filter((e) => e !== 'none');
  if (typeof value === 'string') {
    const match = allowed.find((a) => a === value.trim().toLowerCase());
    if (match) return match as ExporterChoice;
  }
  return reject(source, value, `${oneOf(allowed)} or a SpanExporter instance ("none" only as the whole option)`);
}

/** A comma list of exporter names; undefined when unset or blank. */
function exporterList(source: string, raw: string | undefined, allowed: readonly ExporterName[]): ExporterChoice[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const names: ExporterName[] = [];
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue;
    const name = allowed.find((a) => a === part.trim().toLowerCase());
    if (!name) reject(source, raw, `a comma-separated list of ${quoted(allowed)}`);
    if (!names.includes(name)) names.push(name);
  }
  if (names.includes('none')) {
    if (names.length > 1) reject(source, raw, '"none" alone, or a list without it');
    return [];
  }
  return names as ExporterChoice[];
}

function isSpanExporter(value: unknown): value is SpanExporter {
  return typeof value === 'object' && value !== null && typeof (value as { export?: unknown }).export === 'function';
}

function oneOf(list: readonly string[]): string {
  return `one of ${quoted(list)}`;
}

function quoted(list: readonly string[]): string {
  return list.map((n) => `"${n}"`).join(', ');
}
