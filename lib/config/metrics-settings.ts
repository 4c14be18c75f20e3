import type { ResolvedTracingConfig } from './resolved-config.js';
import type { MetricsExporterName, TracingModuleOptions } from './tracing-options.interface.js';
import { METRICS, resolveOtlp } from './exporter-settings.js';
import { int } from './option-readers.js';
import { parseEnum, reject, type EnvReader } from './value-parsers.js';

const METRICS_EXPORTERS: readonly MetricsExporterName[] = ['otlp', 'console', 'none'];

/**
 * The MeterProvider the module builds for the library's metrics: `metrics.exporter`, else
 * `OTEL_METRICS_EXPORTER`; none by default. When the app already registered a MeterProvider, nothing of this is
 * read (the variables then belong to the app's SDK) and nothing is built.
 */
export function resolveMetricsSettings(o: TracingModuleOptions, env: EnvReader, meterProviderRegistered: boolean): ResolvedTracingConfig['metrics'] {
  const m = o.metrics ?? {};
  const read: EnvReader = meterProviderRegistered ? () => undefined : env;
  const exporter = meterProviderRegistered
    ? 'none'
    : (parseEnum('metrics.exporter', m.exporter, METRICS_EXPORTERS) ?? metricsExporterVariable(read('OTEL_METRICS_EXPORTER')) ?? 'none');
  // OTLP settings are read (and validated) only for an OTLP exporter: they may belong to the traces alone.
  const otlpEnv: EnvReader = exporter === 'otlp' ? read : () => undefined;
  const otlpOptions = exporter === 'otlp' ? { ...m, timeoutMillis: undefined } : {};
  const { endpointConfigured: _configured, ...otlp } = resolveOtlp(METRICS, { prefix: 'metrics', ...otlpOptions }, otlpEnv);
  const exportIntervalMillis = int('metrics.exportIntervalMillis', m.exportIntervalMillis, 'OTEL_METRIC_EXPORT_INTERVAL', read, 1) ?? 60_000;
  const exportTimeoutMillis = int('metrics.exportTimeoutMillis', m.exportTimeoutMillis, 'OTEL_METRIC_EXPORT_TIMEOUT', read, 1) ?? 30_000;
  return { exporter, otlp, exportIntervalMillis, exportTimeoutMillis: Math.min(exportTimeoutMillis, exportIntervalMillis) };
}

/** `OTEL_METRICS_EXPORTER` is a list in the specification; one exporter is supported here. */
function metricsExporterVariable(raw: string | undefined): MetricsExporterName | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const names = raw.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (names.length !== 1) reject('OTEL_METRICS_EXPORTER', raw, `one of ${METRICS_EXPORTERS.map((e) => `"${e}"`).join(', ')}`);
  return parseEnum('OTEL_METRICS_EXPORTER', names[0], METRICS_EXPORTERS);
}
