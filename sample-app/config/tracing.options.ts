import type { ConfigService } from '@nestjs/config';
import type { ModelPrice, TracingModuleOptions } from 'nestjs-ai-tracing';
import { userOfRequest, userOfSocket } from '../auth/authenticated-user.js';
import type { SampleEnvironment } from './environment.js';

/**
 * Prices you set yourself win over the bundled price table (the spans then say `cost.source` = custom).
 * USD per 1M tokens.
 */
export const CUSTOM_MODEL_PRICES: ModelPrice[] = [
  // The rate on your contract, pinned: the classifier and the chat run on it.
  { provider: 'openai', model: 'gpt-4o-mini', input: 0.15, output: 0.6, cacheRead: 0.075 },
  // Models no public table knows, such as your fine-tunes.
  { provider: 'openai', model: /^ft:gpt-4o-mini/, input: 0.3, output: 1.2, cacheRead: 0.15 },
];

/**
 * `TracingModule.forRootAsync` factory. Anything not set here comes from the environment (`TRACING_*`,
 * `OTEL_*`, e.g. `OTEL_EXPORTER_OTLP_ENDPOINT` to also send traces to Jaeger/Tempo/Langfuse) through the
 * same ConfigService. Options set here win over the environment, so the ones meant to stay overridable
 * are read from it first.
 */
export function tracingOptions(config: ConfigService<SampleEnvironment, true>): TracingModuleOptions {
  return {
    serviceName: config.get('OTEL_SERVICE_NAME', { infer: true }) ?? 'support-assistant',
    // The embedded store (SQLite) and its explorer at /_tracing: on by default in this sample.
    store: {
      enabled: config.get('TRACING_STORE_ENABLED', { infer: true }),
      path: config.get('TRACING_STORE_PATH', { infer: true }),
    },
    pricing: { models: CUSTOM_MODEL_PRICES },
    // `request.user.id` is read by default; the tenant is ours to point at.
    http: { tenantId: (request) => userOfRequest(request)?.tenantId },
    // Who a socket message runs for: the user authenticated at handshake.
    websocket: {
      attribution: (client) => {
        const user = userOfSocket(client);
        return user && { userId: user.id, tenantId: user.tenantId };
      },
    },
  };
}
