import type { ConfigService } from '@nestjs/config';
import type { TraceStoreService } from 'nestjs-ai-tracing';
import type { SampleEnvironment } from './config/environment.js';
import type { LlmEndpoints } from './llm/llm-endpoints.js';

/**
 * What `npm start` prints: where the API is, where LLM calls go, and where traces go and how to look at them.
 * The store's state comes from `TraceStoreService`; whether the explorer is served is asked of the app itself
 * (one request to its stats endpoint), so the banner never disagrees with the library's rules; the exporter
 * line reads the same variables the library does, with any credentials in the endpoint URL left out.
 */
export async function startupBanner(
  baseUrl: string,
  config: ConfigService<SampleEnvironment, true>,
  llm: LlmEndpoints,
  store: TraceStoreService,
): Promise<string> {
  const env = (name: string): string | undefined => {
    const value: unknown = config.get(name as keyof SampleEnvironment);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const storeOn = store.enabled;
  const explorerPath = env('TRACING_EXPLORER_PATH') ?? '/_tracing';
  const explorer = storeOn ? await explorerState(`${baseUrl}${explorerPath.replace(/\/+$/, '')}/api/stats`) : 'off';
  const otlpEndpoint = env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? (env('OTEL_EXPORTER_OTLP_ENDPOINT') && `${env('OTEL_EXPORTER_OTLP_ENDPOINT')!.replace(/\/+$/, '')}/v1/traces`);
  const otlp = otlpEndpoint && withoutCredentials(otlpEndpoint);
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
    const stats = await store.stats();
    lines.push(`    stored in ${stats.path} (SQLite, ${stats.traces} traces so far)`);
  }
  if (explorer === 'open') lines.push(`    explorer: ${baseUrl}${explorerPath}  (answers this machine only; set TRACING_EXPLORER_TOKEN to open it to others)`);
  if (explorer === 'token') lines.push(`    explorer: ${baseUrl}${explorerPath}  (send Authorization: Bearer <TRACING_EXPLORER_TOKEN>, or open ?token=...)`);
  if (otlp && (exporter === undefined || exporter === 'otlp')) lines.push(`    exported over OTLP to ${otlp}`);
  else if (exporter === 'console') lines.push('    printed to the console');
  if (!storeOn && !otlp && exporter === undefined) lines.push('    printed to the console (set TRACING_STORE_ENABLED=true for the explorer)');
  lines.push('');
  return lines.join('\n');
}

/** Whether the app serves the explorer: open to this machine, behind the token, or not at all. */
async function explorerState(statsUrl: string): Promise<'open' | 'token' | 'off'> {
  try {
    const res = await fetch(statsUrl);
    await res.arrayBuffer();
    return res.status === 200 ? 'open' : res.status === 401 ? 'token' : 'off';
  } catch {
    return 'off';
  }
}

/** A URL without its `user:password@` part, which must never reach a terminal or a log. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return '(invalid URL)';
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    // Not a URL the library would accept either; say nothing of it rather than echo a secret.
    return '(invalid URL)';
  }
}
