import type { ResolvedTracingConfig } from './resolved-config.js';
import type { TracingModuleOptions } from './tracing-options.interface.js';
import { fromOptionOrEnv, int } from './option-readers.js';
import { parseBoolean, parseEnum, parseHostList, parseNumber, parseString, reject, type EnvReader } from './value-parsers.js';
import { parseDatabaseUrl } from './database-url.js';

/** Defaults of the store's bounds, written once (README "Store limits" documents them). */
export const STORE_DEFAULTS = {
  path: '.traces/traces.db',
  retentionDays: 7,
  maxTraces: 100_000,
  maxSpansPerTrace: 1000,
  maxSizeMb: 256,
  maxQueueSize: 10_000,
  queryTimeoutMillis: 10_000,
  poolSize: 4,
} as const;

/** Backends of the trace store. */
export const STORE_DRIVERS = ['sqlite', 'postgres'] as const;

/** The embedded trace store's settings. */
export function resolveStoreSettings(o: TracingModuleOptions, env: EnvReader): ResolvedTracingConfig['store'] {
  const s = o.store ?? {};
  const path = parseString('store.path', s.path) ?? parseString('TRACING_STORE_PATH', env('TRACING_STORE_PATH'));
  const url = parseDatabaseUrl('store.url', s.url) ?? parseDatabaseUrl('TRACING_STORE_URL', env('TRACING_STORE_URL'));
  const driver =
    parseEnum('store.driver', s.driver, STORE_DRIVERS) ??
    parseEnum('TRACING_STORE_DRIVER', env('TRACING_STORE_DRIVER'), STORE_DRIVERS) ??
    (url !== undefined ? 'postgres' : 'sqlite');
  if (driver === 'postgres' && url === undefined) {
    const [source, raw] = fromOptionOrEnv('store.driver', s.driver, 'TRACING_STORE_DRIVER', env);
    reject(source, raw, '"sqlite" unless a PostgreSQL URL is given (store.url or TRACING_STORE_URL)');
  }
  return {
    enabled:
      parseBoolean('store.enabled', s.enabled) ??
      parseBoolean('TRACING_STORE_ENABLED', env('TRACING_STORE_ENABLED')) ??
      (path !== undefined || url !== undefined),
    driver,
    path: path ?? STORE_DEFAULTS.path,
    url: driver === 'postgres' ? url : undefined,
    poolSize: int('store.poolSize', s.poolSize, 'TRACING_STORE_POOL_SIZE', env, 1) ?? STORE_DEFAULTS.poolSize,
    retentionDays:
      parseNumber('store.retentionDays', s.retentionDays, { min: 0.001 }) ??
      parseNumber('TRACING_STORE_RETENTION_DAYS', env('TRACING_STORE_RETENTION_DAYS'), { min: 0.001 }) ??
      STORE_DEFAULTS.retentionDays,
    maxTraces: int('store.maxTraces', s.maxTraces, 'TRACING_STORE_MAX_TRACES', env, 1) ?? STORE_DEFAULTS.maxTraces,
    maxSpansPerTrace:
      int('store.maxSpansPerTrace', s.maxSpansPerTrace, 'TRACING_STORE_MAX_SPANS_PER_TRACE', env, 1) ?? STORE_DEFAULTS.maxSpansPerTrace,
    maxSizeMb:
      parseNumber('store.maxSizeMb', s.maxSizeMb, { min: 1 }) ??
      parseNumber('TRACING_STORE_MAX_SIZE_MB', env('TRACING_STORE_MAX_SIZE_MB'), { min: 1 }) ??
      STORE_DEFAULTS.maxSizeMb,
    maxQueueSize: int('store.maxQueueSize', s.maxQueueSize, 'TRACING_STORE_MAX_QUEUE_SIZE', env, 1) ?? STORE_DEFAULTS.maxQueueSize,
    queryTimeoutMillis:
      int('store.queryTimeoutMillis', s.queryTimeoutMillis, 'TRACING_STORE_QUERY_TIMEOUT', env, 1) ?? STORE_DEFAULTS.queryTimeoutMillis,
  };
}

/**
 * Whether `NODE_ENV` clearly names a development machine: unset (Node's and Express's default), `development`,
 * `dev`, `local` or `test`, in any case and with surrounding whitespace. Everything else (`production`, `prod`,
 * `staging`, `preview`, a typo) is treated as a deployed environment: the explorer then stays off unless enabled
 * explicitly, because a wrong guess there exposes traces, while a wrong guess the other way costs one setting.
 */
export function isDevelopmentEnvironment(nodeEnv: string | undefined): boolean {
  const value = (nodeEnv ?? '').trim().toLowerCase();
  return value === '' || value === 'development' || value === 'dev' || value === 'local' || value === 'test';
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
    (storeEnabled && isDevelopmentEnvironment(env('NODE_ENV')));
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
    allowedHosts:
      parseHostList('explorer.allowedHosts', o.explorer?.allowedHosts) ??
      parseHostList('TRACING_EXPLORER_ALLOWED_HOSTS', env('TRACING_EXPLORER_ALLOWED_HOSTS')) ??
      [],
    deployed: !isDevelopmentEnvironment(env('NODE_ENV')),
  };
}
