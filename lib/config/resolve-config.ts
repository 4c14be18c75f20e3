import type { ResolvedTracingConfig } from './resolved-config.js';
import type { TracingModuleOptions } from './tracing-options.interface.js';
import { hasGlobalMeterProvider, hasGlobalTracerProvider } from '../sdk/otel-globals.js';
import { resolveCostSettings } from './cost-settings.js';
import { resolveHealthSettings } from './health-settings.js';
import { resolveGenAiSettings } from './genai-settings.js';
import { resolveHttpSettings, resolveWebSocketSettings } from './interceptor-settings.js';
import { resolveMessagingSettings } from './messaging-settings.js';
import { int, processEnv, redactKeyList } from './option-readers.js';
import { resolveMetricsSettings } from './metrics-settings.js';
import { resolveSdkSettings } from './sdk-settings.js';
import { resolveExplorerSettings, resolveStoreSettings } from './store-settings.js';
import { parseBoolean, type EnvReader } from './value-parsers.js';

/**
 * Variables that configure a tracer provider's pipeline and the globals that go with it (propagators,
 * diagnostics); left to the provider's owner when the app supplies it. Metrics variables are handled apart: they
 * follow whether the app has a MeterProvider.
 */
const PIPELINE_VARIABLE = /^OTEL_(EXPORTER_OTLP_(?!METRICS_)|TRACES_|BSP_|ATTRIBUTE_|SPAN_|EVENT_|LINK_|PROPAGATORS$|LOG_LEVEL$)/;

/**
 * The one place configuration is decided: explicit options, then environment, then defaults; every value
 * validated, the first bad one failing bootstrap with a `TracingConfigError` that names it. Each area's rules
 * live in its own file (`sdk-settings`, `store-settings`, `interceptor-settings`, `cost-settings`,
 * `messaging-settings`, `genai-settings`); this
 * function only assembles them.
 *
 * When the app supplies the tracer provider (`tracerProvider`, or one registered globally, e.g. by a preloaded
 * `NodeSDK`), the exporter, sampler, batch, limit, propagator and diagnostics variables (`OTEL_EXPORTER_OTLP_*`,
 * `OTEL_TRACES_*`, `OTEL_BSP_*`, `OTEL_*_COUNT_LIMIT`, `OTEL_PROPAGATORS`, `OTEL_LOG_LEVEL`) configure that
 * provider, not this module: they are not read, so values only the other SDK supports never fail bootstrap. The
 * metrics variables likewise are read only when no MeterProvider is registered.
 */
export function resolveTracingConfig(
  options: TracingModuleOptions = {},
  rawEnv: EnvReader = processEnv,
  providerSupplied: boolean = options?.tracerProvider !== undefined || hasGlobalTracerProvider(),
  meterProviderRegistered: boolean = hasGlobalMeterProvider(),
): ResolvedTracingConfig {
  const o = options ?? {};
  const env: EnvReader = providerSupplied ? (name) => (PIPELINE_VARIABLE.test(name) ? undefined : rawEnv(name)) : rawEnv;
  const store = resolveStoreSettings(o, env);
  const sdk = resolveSdkSettings(o, env, store.enabled);
  const explorer = resolveExplorerSettings(o, env, store.enabled);
  return {
    enabled:
      parseBoolean('enabled', o.enabled) ??
      parseBoolean('TRACING_ENABLED', env('TRACING_ENABLED')) ??
      !(parseBoolean('OTEL_SDK_DISABLED', env('OTEL_SDK_DISABLED')) ?? false),
    ...sdk,
    ...resolveHealthSettings(o, env),
    metrics: resolveMetricsSettings(o, rawEnv, meterProviderRegistered),
    tracerProvider: o.tracerProvider,
    captureContent:
      parseBoolean('captureContent', o.captureContent) ??
      parseBoolean('TRACING_CAPTURE_CONTENT', env('TRACING_CAPTURE_CONTENT')) ??
      false,
    maxContentLength: int('maxContentLength', o.maxContentLength, 'TRACING_MAX_CONTENT_LENGTH', env, 32) ?? 4096,
    ...resolveCostSettings(o, env),
    redactKeys: redactKeyList(o.redactKeys),
    redactDefaultKeys: parseBoolean('redactDefaultKeys', o.redactDefaultKeys) ?? true,
    ...resolveGenAiSettings(o, env),
    shutdownTimeoutMillis: int('shutdownTimeoutMillis', o.shutdownTimeoutMillis, 'TRACING_SHUTDOWN_TIMEOUT', env, 1) ?? 5000,
    http: resolveHttpSettings(o, env),
    websocket: resolveWebSocketSettings(o, env),
    ...resolveMessagingSettings(o, env),
    store,
    explorer,
  };
}
