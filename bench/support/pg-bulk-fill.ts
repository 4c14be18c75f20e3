import type pg from 'pg';

const TEMPLATES = `(VALUES
  (0, NULL::int, 'POST /workflows/:id/runs', 'server', 'http', NULL, NULL, NULL, 0, 0.0, 1.0),
  (1, 0, 'invoke_workflow research', 'internal', 'workflow', NULL, NULL, NULL, 0, 0.02, 0.96),
  (2, 1, 'node retrieve', 'internal', 'node', 'retrieve', NULL, NULL, 0, 0.03, 0.1),
  (3, 1, 'node summarize', 'internal', 'node', 'summarize', NULL, NULL, 0, 0.15, 0.6),
  (4, 1, 'node classify', 'internal', 'node', 'classify', NULL, NULL, 0, 0.15, 0.3),
  (5, 1, 'node translate', 'internal', 'node', 'translate', NULL, NULL, 0, 0.15, 0.5),
  (6, 3, 'chat gpt-4o-mini', 'client', 'provider', NULL, 'openai', 'gpt-4o-mini', 1, 0.16, 0.55),
  (7, 4, 'chat claude-haiku', 'client', 'provider', NULL, 'anthropic', 'claude-haiku', 1, 0.16, 0.28)
) AS tpl(j, parent, name, kind, role, node_type, provider, model, llm, off, share)`;

/**
 * The PostgreSQL twin of test/store/support/bulk-fill.ts: `traces` generated traces of 8 spans (~600 characters
 * of JSON each), their cost rows (plus one unsampled call per trace) and latency histograms, spread over the
 * `windowMs` before `now`, with `INSERT ... SELECT` over `generate_series`, in chunks of 25,000 traces.
 */
export async function pgBulkFill(client: pg.Client, traces: number, options: { now?: number; windowMs?: number } = {}): Promise<void> {
  const now = options.now ?? Date.now();
  const windowMs = options.windowMs ?? 86_400_000;
  const step = windowMs / traces;
  for (let first = 0; first < traces; first += 25_000) {
    const last = Math.min(traces, first + 25_000) - 1;
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO traces (trace_id, root_span_id, name, service, instance_id, start_ms, end_ms, duration_ms, status, user_id,
         tenant_id, workflow, workflow_start_ms, cost_usd, input_tokens, output_tokens, llm_calls, span_count, stored_spans,
         error_count, error_type, has_root)
       SELECT lpad(to_hex(i + 1), 32, '0'), lpad(to_hex((i + 1) * 8), 16, '0'), 'POST /workflows/:id/runs', 'bulk-api',
         'replica-' || (i % 3), st, st + dur, dur, CASE WHEN i % 50 = 0 THEN 'error' ELSE 'unset' END, 'user-' || (i % 97),
         'tenant-' || (i % 7), 'research', st, 0.0012, 900, 300, 2, 8, 8, CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END,
         CASE WHEN i % 50 = 0 THEN 'RateLimitError' END, 1
       FROM (SELECT i, $1::float8 - $2::float8 + i * $3::float8 AS st, (50 + (i * 7919) % 2000)::float8 AS dur
             FROM generate_series($4::bigint, $5::bigint) AS i) s`,
      [now, windowMs, step, first, last],
    );
    await client.query(
      `INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, role, status, status_message, start_ms, end_ms,
         duration_ms, service, instance_id, attributes, events, cost_usd, total_cost_usd, input_tokens, output_tokens, llm_call,
         model, provider, error_type, node_type, user_id, tenant_id, workflow)
       SELECT t.trace_id, lpad(to_hex((s.i + 1) * 8 + tpl.j), 16, '0'),
         CASE WHEN tpl.parent IS NULL THEN NULL ELSE lpad(to_hex((s.i + 1) * 8 + tpl.parent), 16, '0') END,
         tpl.name, tpl.kind, tpl.role, CASE WHEN tpl.llm = 1 AND s.i % 50 = 0 THEN 'error' ELSE 'unset' END,
         CASE WHEN tpl.llm = 1 AND s.i % 50 = 0 THEN '429 rate limited' END,
         t.start_ms + t.duration_ms * tpl.off,
         t.start_ms + t.duration_ms * (tpl.off + tpl.share * (0.5 + ((s.i * 31 + tpl.j * 17) % 100) / 200.0)),
         t.duration_ms * tpl.share * (0.5 + ((s.i * 31 + tpl.j * 17) % 100) / 200.0), 'bulk-api', t.instance_id,
         json_build_object('gen_ai.span.type', tpl.role, 'user.id', t.user_id, 'tenant.id', t.tenant_id,
           'gen_ai.workflow.name', 'research', 'workflow.node.type', tpl.node_type, 'gen_ai.provider.name', tpl.provider,
           'gen_ai.request.model', tpl.model, 'http.request.method', 'POST', 'url.path', '/workflows/research/runs',
           'user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
           'openinference.span.kind', 'CHAIN', 'traceloop.span.kind', 'task', 'server.address', 'localhost', 'server.port', 3000,
           'client.address', '127.0.0.1', 'workflow.job_id', 'job-' || s.i, 'session.id', 'session-' || (s.i % 1000))::text,
         CASE WHEN tpl.llm = 1 AND s.i % 50 = 0 THEN '[{"name":"exception","timeMs":0,"attributes":{"exception.type":"RateLimitError"}}]' END,
         CASE WHEN tpl.llm = 1 THEN 0.0006 END, CASE WHEN tpl.llm = 1 THEN 0.0006 ELSE 0.0012 END,
         CASE WHEN tpl.llm = 1 THEN 450 END, CASE WHEN tpl.llm = 1 THEN 150 END, tpl.llm, tpl.model, tpl.provider,
         CASE WHEN tpl.llm = 1 AND s.i % 50 = 0 THEN 'RateLimitError' END, COALESCE(tpl.node_type, tpl.model),
         t.user_id, t.tenant_id, 'research'
       FROM generate_series($1::bigint, $2::bigint) AS s(i)
       JOIN traces t ON t.trace_id = lpad(to_hex(s.i + 1), 32, '0') CROSS JOIN ${TEMPLATES}`,
      [first, last],
    );
    const range = [first, last];
    const inRange = "trace_id >= lpad(to_hex($1::bigint + 1), 32, '0') AND trace_id <= lpad(to_hex($2::bigint + 1), 32, '0')";
    await client.query(
      `INSERT INTO cost_calls (at_ms, trace_id, span_id, sampled, kind, user_id, tenant_id, workflow, provider, model, cost_usd,
         input_tokens, output_tokens)
       SELECT start_ms, trace_id, span_id, 1, 'tokens', user_id, tenant_id, workflow, provider, model, cost_usd, input_tokens, output_tokens
       FROM spans WHERE llm_call = 1 AND ${inRange}
       UNION ALL
       SELECT start_ms + 1, lpad(to_hex(1000000000 + ('x' || right(trace_id, 8))::bit(32)::bigint), 32, '0'), NULL, 0, 'tokens',
         user_id, tenant_id, workflow, 'openai', 'gpt-4o-mini', 0.0004, 400, 120
       FROM traces WHERE ${inRange}`,
      range,
    );
    const bin = 'CAST(ceil(log(2.0, GREATEST(ms, 0.001)::numeric) * 8) AS INTEGER)';
    const interval = 'floor(start_ms / 300000) * 300000';
    const failed = 'CASE WHEN error_type IS NOT NULL THEN 1 ELSE 0 END';
    await client.query(
      `INSERT INTO latency_rollup AS l (bucket_ms, grp, key, bin, detail, count, errors, sum_ms, max_ms)
       SELECT bucket_ms, grp, key, ${bin} AS b, MAX(detail), COUNT(*), SUM(failed), SUM(ms), MAX(ms)
       FROM (
         SELECT ${interval} AS bucket_ms, 'node' AS grp, left(COALESCE(node_type, name), 200) AS key, role AS detail,
           GREATEST(duration_ms, 0) AS ms, ${failed} AS failed
         FROM spans WHERE role IN ('node', 'agent_task', 'agent_step', 'tool') AND ${inRange}
         UNION ALL
         SELECT ${interval}, 'provider', left(provider, 200), NULL, GREATEST(duration_ms, 0), ${failed}
         FROM spans WHERE llm_call = 1 AND provider IS NOT NULL AND ${inRange}
         UNION ALL
         SELECT ${interval}, 'model', left(model, 200), provider, GREATEST(duration_ms, 0), ${failed}
         FROM spans WHERE llm_call = 1 AND model IS NOT NULL AND ${inRange}
       ) x
       GROUP BY bucket_ms, grp, key, b
       ON CONFLICT (grp, bucket_ms, key, bin) DO UPDATE SET count = l.count + excluded.count, errors = l.errors + excluded.errors,
         sum_ms = l.sum_ms + excluded.sum_ms, max_ms = GREATEST(l.max_ms, excluded.max_ms), detail = GREATEST(l.detail, excluded.detail)`,
      range,
    );
    await client.query('COMMIT');
  }
  await client.query('ANALYZE');
}
