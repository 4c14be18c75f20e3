import { latencyBackfillSql } from '../../../lib/store/latency-rollup.js';
import type { SqliteDatabase } from '../../../lib/store/sqlite-driver.js';

/** Spans of one generated trace: an HTTP request, a workflow, four nodes, two LLM calls. */
export const BULK_SPANS_PER_TRACE = 8;
/** Cost rows of one generated trace: its two LLM calls, and one more call whose trace was not sampled. */
export const BULK_COST_ROWS_PER_TRACE = 3;

const SPAN_TEMPLATES = `
  SELECT 0 AS j, NULL AS parent, 'POST /workflows/:id/runs' AS name, 'server' AS kind, 'http' AS role, NULL AS node_type,
    NULL AS provider, NULL AS model, 0 AS llm, 0.0 AS off, 1.0 AS share
  UNION ALL SELECT 1, 0, 'invoke_workflow research', 'internal', 'workflow', NULL, NULL, NULL, 0, 0.02, 0.96
  UNION ALL SELECT 2, 1, 'node retrieve', 'internal', 'node', 'retrieve', NULL, NULL, 0, 0.03, 0.1
  UNION ALL SELECT 3, 1, 'node summarize', 'internal', 'node', 'summarize', NULL, NULL, 0, 0.15, 0.6
  UNION ALL SELECT 4, 1, 'node classify', 'internal', 'node', 'classify', NULL, NULL, 0, 0.15, 0.3
  UNION ALL SELECT 5, 1, 'node translate', 'internal', 'node', 'translate', NULL, NULL, 0, 0.15, 0.5
  UNION ALL SELECT 6, 3, 'chat gpt-4o-mini', 'client', 'provider', NULL, 'openai', 'gpt-4o-mini', 1, 0.16, 0.55
  UNION ALL SELECT 7, 4, 'chat claude-haiku', 'client', 'provider', NULL, 'anthropic', 'claude-haiku', 1, 0.16, 0.28`;

/**
 * Fills `db` (a migrated store) with `traces` generated traces of `BULK_SPANS_PER_TRACE` spans each, with
 * realistic attributes (~600 characters of JSON per span), spread over the `windowMs` before `now`, in one
 * transaction of `INSERT ... SELECT` statements: 100,000 traces take seconds, not the minutes real requests would.
 * Users, workflows, durations and errors vary so that every report has groups to compute.
 */
export function bulkFill(db: SqliteDatabase, traces: number, options: { now?: number; windowMs?: number; firstTrace?: number } = {}): void {
  const now = options.now ?? Date.now();
  const windowMs = options.windowMs ?? 86_400_000;
  const first = options.firstTrace ?? 0;
  const fill = db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE seq(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
       INSERT INTO traces (trace_id, root_span_id, name, service, start_ms, end_ms, duration_ms, status, user_id, tenant_id,
         workflow, workflow_start_ms, cost_usd, input_tokens, output_tokens, llm_calls, span_count, stored_spans, error_count,
         error_type, has_root)
       SELECT printf('%032x', i + 1), printf('%016x', (i + 1) * 8), 'POST /workflows/:id/runs', 'bulk-api',
         start, start + dur, dur, CASE WHEN i % 50 = 0 THEN 'error' ELSE 'unset' END, 'user-' || (i % 97),
         'tenant-' || (i % 7), 'research', start, 0.0012, 900, 300, 2, 8, 8, CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END,
         CASE WHEN i % 50 = 0 THEN 'RateLimitError' END, 1
       FROM (SELECT i, ? - ? + (i - ?) * ? AS start, 50 + (i * 7919) % 2000 AS dur FROM seq)`
,
    ).run(first, first + traces - 1, now, windowMs, first, windowMs / traces);
    db.prepare(
      `WITH RECURSIVE seq(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM seq WHERE i < ?), tpl AS (${SPAN_TEMPLATES})
       INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, role, status, status_message, start_ms, end_ms,
         duration_ms, service, attributes, events, cost_usd, total_cost_usd, input_tokens, output_tokens, llm_call, model,
         provider, error_type, node_type, user_id, tenant_id, workflow)
       SELECT t.trace_id, printf('%016x', (seq.i + 1) * 8 + tpl.j),
         CASE WHEN tpl.parent IS NULL THEN NULL ELSE printf('%016x', (seq.i + 1) * 8 + tpl.parent) END,
         tpl.name, tpl.kind, tpl.role, CASE WHEN tpl.llm = 1 AND seq.i % 50 = 0 THEN 'error' ELSE 'unset' END,
         CASE WHEN tpl.llm = 1 AND seq.i % 50 = 0 THEN '429 rate limited' END,
         t.start_ms + t.duration_ms * tpl.off, t.start_ms + t.duration_ms * (tpl.off + tpl.share * (0.5 + (seq.i * 31 + tpl.j * 17) % 100 / 200.0)),
         t.duration_ms * tpl.share * (0.5 + (seq.i * 31 + tpl.j * 17) % 100 / 200.0), 'bulk-api',
         json_object('gen_ai.span.type', tpl.role, 'user.id', t.user_id, 'tenant.id', t.tenant_id,
           'gen_ai.workflow.name', 'research', 'workflow.node.type', tpl.node_type, 'gen_ai.provider.name', tpl.provider,
           'gen_ai.request.model', tpl.model, 'http.request.method', 'POST', 'url.path', '/workflows/research/runs',
           'user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
           'openinference.span.kind', 'CHAIN', 'traceloop.span.kind', 'task', 'server.address', 'localhost', 'server.port', 3000,
           'client.address', '127.0.0.1', 'workflow.job_id', 'job-' || seq.i, 'session.id', 'session-' || (seq.i % 1000)),
         CASE WHEN tpl.llm = 1 AND seq.i % 50 = 0 THEN '[{"name":"exception","timeMs":0,"attributes":{"exception.type":"RateLimitError"}}]' END,
         CASE WHEN tpl.llm = 1 THEN 0.0006 END, CASE WHEN tpl.llm = 1 THEN 0.0006 ELSE 0.0012 END,
         CASE WHEN tpl.llm = 1 THEN 450 END, CASE WHEN tpl.llm = 1 THEN 150 END, tpl.llm, tpl.model, tpl.provider,
         CASE WHEN tpl.llm = 1 AND seq.i % 50 = 0 THEN 'RateLimitError' END, COALESCE(tpl.node_type, tpl.model),
         t.user_id, t.tenant_id, 'research'
       FROM seq JOIN traces t ON t.trace_id = printf('%032x', seq.i + 1) CROSS JOIN tpl`,
    ).run(first, first + traces - 1);
    db.prepare(
      `INSERT INTO cost_calls (at_ms, trace_id, span_id, sampled, kind, user_id, tenant_id, workflow, provider, model, cost_usd,
         input_tokens, output_tokens)
       SELECT start_ms, trace_id, span_id, 1, 'tokens', user_id, tenant_id, workflow, provider, model, cost_usd, input_tokens, output_tokens
       FROM spans WHERE llm_call = 1 AND trace_id >= printf('%032x', ? + 1) AND trace_id <= printf('%032x', ? + 1)
       UNION ALL
       SELECT start_ms + 1, printf('%032x', 1000000000 + rowid), NULL, 0, 'tokens', user_id, tenant_id, workflow, 'openai',
         'gpt-4o-mini', 0.0004, 400, 120
       FROM traces WHERE trace_id >= printf('%032x', ? + 1) AND trace_id <= printf('%032x', ? + 1)`,
    ).run(first, first + traces - 1, first, first + traces - 1);
    // The latency histograms the writer keeps span by span, for the same spans.
    db.prepare(latencyBackfillSql("trace_id >= printf('%032x', @first + 1) AND trace_id <= printf('%032x', @last + 1)")).run({
      first,
      last: first + traces - 1,
    });
  });
  fill();
}
