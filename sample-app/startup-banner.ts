import type { ConfigService } from '@nestjs/config';
import type { TraceStoreService } from 'nestjs-ai-tracing';
import type { SampleEnvironment } from './config/environment.js';
import type { LlmEndpoints } from './llm/llm-endpoints.js';

/**
 * What `npm start` prints: where the API is, where LLM calls go, and where traces go and how to look at them.
 * The store's state comes from `TraceStoreService`; the explorer and exporter lines read the same variables
 * the library does.
 */
export function startupBanner(baseUrl: string, config: ConfigService<SampleEnvironment, true>, llm: LlmEndpoints, store: TraceStoreService): string {
  const env = (name: string): string | undefined => {
    const value: unknown = config.get(name as keyof SampleEnvironment);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const storeOn = store.enabled;
  const explorerOn = storeOn && (env('TRACING_EXPLORER_ENABLED') ?? (env('NODE_ENV') === 'production' ? 'false' : 'true')) === 'true';
  const explorerPath = env('TRACING_EXPLORER_PATH') ?? '/_tracing';
  const otlp = env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? (env('OTEL_EXPORTER_OTLP_ENDPOINT') && `${env('OTEL_EXPORTER_OTLP_ENDPOINT')!.replace(/\/+$/, '')}/v1/traces`);
  const exporter = env('TRACING_EXPORTER');
  const where = (endpoint: { baseUrl: string; local: boolean }) => (endpoint.local ? `local model server (${endpoint.baseUrl})` : endpoint.baseUrl);

  const lines = [
    '',
    `  Support assistant sample listening on ${baseUrl}`,
    '',
    '  Try it:',
    `    curl -X POST ${baseUrl}/workflows/document-triage/runs -H 'content-type: application/json' -H 'x-user-id: alice' \\`,
    `         -d '{"documentId":"ticket-4711"}'`,
    `    curl -X POST '${baseUrl}/workflows/document-triage/runs?mode=queued' -H 'content-type: application/json' -H 'x-user-id: alice' \\`,
    `         -d '{"documentId":"refund-policy"}'   # BullMQ; then GET /workflows/runs/<jobId>`,
    `    curl -X POST ${baseUrl}/agents/tasks -H 'content-type: application/json' -H 'x-user-id: bob' \\`,
    `         -d '{"goal":"What do 12 seats of the Team plan cost per year (12 * 49 * 10)? Can annual plans be refunded?"}'`,
    `    socket.io namespace ${baseUrl}/assistant: run_job, cancel_job, chat_message`,
    '',
    `  LLM calls: OpenAI -> ${where(llm.openai)}; Anthropic -> ${where(llm.anthropic)}`,
    '',
    '  Traces:',
  ];
  if (storeOn) {
    const stats = store.stats();
    lines.push(`    stored in ${stats.path} (SQLite, ${stats.traces} traces so far)`);
  }
  if (explorerOn) {
    lines.push(`    explorer: ${baseUrl}${explorerPath}${env('TRACING_EXPLORER_TOKEN') ? '  (send Authorization: Bearer <TRACING_EXPLORER_TOKEN>)' : ''}`);
  }
  if (otlp && (exporter === undefined || exporter === 'otlp')) lines.push(`    exported over OTLP to ${otlp}`);
  else if (exporter === 'console') lines.push('    printed to the console');
  if (!storeOn && !otlp && exporter === undefined) lines.push('    printed to the console (set TRACING_STORE_ENABLED=true for the explorer)');
  lines.push('');
  return lines.join('\n');
}
