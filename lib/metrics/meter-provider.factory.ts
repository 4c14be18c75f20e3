import { metrics } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type * as SdkMetrics from '@opentelemetry/sdk-metrics';
import { createRequire } from 'node:module';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { hasGlobalMeterProvider } from '../sdk/otel-globals.js';
import { loadOptionalPeer } from '../sdk/optional-peer.js';

const requireFromHere = createRequire(import.meta.url);

type MetricExporterModule = { OTLPMetricExporter: new (options: { url: string; headers: Record<string, string>; timeoutMillis: number }) => SdkMetrics.PushMetricExporter };

/**
 * Builds and registers a MeterProvider exporting the library's metrics, when `metrics.exporter` /
 * `OTEL_METRICS_EXPORTER` asks for one and the app has none. The metrics SDK and exporters are loaded only then.
 * Returns its shutdown (which flushes), or undefined when nothing was built.
 */
export function startMeterProvider(config: ResolvedTracingConfig, resource: Resource): (() => Promise<void>) | undefined {
  const settings = config.metrics;
  if (!config.enabled || settings.exporter === 'none' || hasGlobalMeterProvider()) return undefined;
  const sdk = requireFromHere('@opentelemetry/sdk-metrics') as typeof SdkMetrics;
  const exporter = settings.exporter === 'console' ? new sdk.ConsoleMetricExporter() : createOtlpMetricExporter(settings.otlp);
  const reader = new sdk.PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: settings.exportIntervalMillis,
    exportTimeoutMillis: settings.exportTimeoutMillis,
  });
  const provider = new sdk.MeterProvider({ resource, readers: [reader] });
  if (!metrics.setGlobalMeterProvider(provider)) {
    void provider.shutdown().catch(() => undefined);
    return undefined;
  }
  return async () => {
    try {
      await provider.shutdown();
    } finally {
      if (metrics.getMeterProvider() === provider) metrics.disable();
    }
  };
}

function createOtlpMetricExporter(otlp: ResolvedTracingConfig['metrics']['otlp']): SdkMetrics.PushMetricExporter {
  const options = { url: otlp.endpoint, headers: otlp.headers, timeoutMillis: otlp.timeoutMillis };
  const module =
    otlp.protocol === 'grpc'
      ? loadOptionalPeer<MetricExporterModule>('@opentelemetry/exporter-metrics-otlp-grpc', 'metrics.protocol / OTEL_EXPORTER_OTLP_[METRICS_]PROTOCOL')
      : (requireFromHere(otlp.protocol === 'http/json' ? '@opentelemetry/exporter-metrics-otlp-http' : '@opentelemetry/exporter-metrics-otlp-proto') as MetricExporterModule);
  return new module.OTLPMetricExporter(options);
}
