import type { ResolvedTracingConfig } from './resolved-config.js';
import type { DiagLogLevelName, TracingModuleOptions } from './tracing-options.interface.js';
import { int } from './option-readers.js';
import { parseEnum, type EnvReader } from './value-parsers.js';

const LOG_LEVELS: readonly DiagLogLevelName[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];

/** OpenTelemetry diagnostics level and pipeline health reporting. */
export function resolveHealthSettings(o: TracingModuleOptions, env: EnvReader): Pick<ResolvedTracingConfig, 'logLevel' | 'health'> {
  return {
    logLevel: parseEnum('logLevel', o.logLevel, LOG_LEVELS) ?? parseEnum('OTEL_LOG_LEVEL', env('OTEL_LOG_LEVEL'), LOG_LEVELS) ?? 'warn',
    health: {
      logIntervalMillis: int('health.logIntervalMillis', o.health?.logIntervalMillis, 'TRACING_HEALTH_LOG_INTERVAL', env, 1) ?? 60_000,
    },
  };
}
