import type { ResolvedTracingConfig } from './resolved-config.js';
import type { TracingModuleOptions } from './tracing-options.interface.js';
import { fromOptionOrEnv, int } from './option-readers.js';
import { parseBoolean, parseNumber, parseString, reject, type EnvReader } from './value-parsers.js';

/** The embedded trace store's settings. */
export function resolveStoreSettings(o: TracingModuleOptions, env: EnvReader): ResolvedTracingConfig['store'] {
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

/** The explorer's settings; it needs the store. */
export function resolveExplorerSettings(
  o: TracingModuleOptions,
  env: EnvReader,
  storeEnabled: boolean,
): ResolvedTracingConfig['explorer'] {
  const enabled =
    parseBoolean('explorer.enabled', o.explorer?.enabled) ??
    parseBoolean('TRACING_EXPLORER_ENABLED', env('TRACING_EXPLORER_ENABLED')) ??
    (storeEnabled && env('NODE_ENV') !== 'production');
  if (enabled && !storeEnabled) {
    const [source, raw] = fromOptionOrEnv('explorer.enabled', o.explorer?.enabled, 'TRACING_EXPLORER_ENABLED', env);
    reject(source, raw, 'false unless the trace store is enabled (store.enabled or TRACING_STORE_ENABLED)');
  }
  const path = parseString('explorer.path', o.explorer?.path) ?? parseString('TRACING_EXPLORER_PATH', env('TRACING_EXPLORER_PATH')) ?? '/_tracing';
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path)) {
    const [source, raw] = fromOptionOrEnv('explorer.path', o.explorer?.path, 'TRACING_EXPLORER_PATH', env);
    reject(source, raw, 'a URL path starting with "/"');
  }
  return {
    enabled,
    path: path.length > 1 ? path.replace(/\/+$/, '') : path,
    token: parseString('explorer.token', o.explorer?.token) ?? parseString('TRACING_EXPLORER_TOKEN', env('TRACING_EXPLORER_TOKEN')),
  };
}
