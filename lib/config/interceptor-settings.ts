import type { ResolvedTracingConfig } from './resolved-config.js';
import type { TracingModuleOptions } from './tracing-options.interface.js';
import { defaultPayloadIds, defaultUserId } from './default-readers.js';
import { fn, matchers } from './option-readers.js';
import { parseBoolean, type EnvReader } from './value-parsers.js';

/** Settings of the HTTP request tracing. */
export function resolveHttpSettings(o: TracingModuleOptions, env: EnvReader): ResolvedTracingConfig['http'] {
  return {
    enabled: parseBoolean('http.enabled', o.http?.enabled) ?? parseBoolean('TRACING_HTTP_ENABLED', env('TRACING_HTTP_ENABLED')) ?? true,
    ignorePaths: matchers('http.ignorePaths', o.http?.ignorePaths),
    userId: fn('http.userId', o.http?.userId) ?? defaultUserId,
    tenantId: fn('http.tenantId', o.http?.tenantId),
    sessionId: fn('http.sessionId', o.http?.sessionId),
    traceResponseHeader: parseBoolean('http.traceResponseHeader', o.http?.traceResponseHeader) ?? true,
    captureQuery: parseBoolean('http.captureQuery', o.http?.captureQuery) ?? true,
    trustRemoteSampling:
      parseBoolean('http.trustRemoteSampling', o.http?.trustRemoteSampling) ??
      parseBoolean('TRACING_HTTP_TRUST_REMOTE_SAMPLING', env('TRACING_HTTP_TRUST_REMOTE_SAMPLING')) ??
      true,
  };
}

/** Settings of the WebSocket gateway tracing. */
export function resolveWebSocketSettings(o: TracingModuleOptions, env: EnvReader): ResolvedTracingConfig['websocket'] {
  return {
    enabled:
      parseBoolean('websocket.enabled', o.websocket?.enabled) ??
      parseBoolean('TRACING_WEBSOCKET_ENABLED', env('TRACING_WEBSOCKET_ENABLED')) ??
      true,
    ignoreEvents: matchers('websocket.ignoreEvents', o.websocket?.ignoreEvents),
    attribution: fn('websocket.attribution', o.websocket?.attribution),
    payloadIds: fn('websocket.payloadIds', o.websocket?.payloadIds) ?? defaultPayloadIds,
  };
}
