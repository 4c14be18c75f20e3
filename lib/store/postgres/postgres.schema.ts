import { TracingConfigError } from '../../config/tracing-config.error.js';
import { storeSchemaTooNew } from '../../tracing.messages.js';
import type { Pool } from './pg-driver.js';

/**
 * Migrations of the PostgreSQL store, applied in order; `nestjs_ai_tracing_schema.version` records how many ran.
 * Never edit a shipped entry: append one. The tables are those of the SQLite store (same columns, same meaning:
 * times in epoch ms, costs in USD), so the queries of `trace-store.sql.ts` run on both.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE traces (
    trace_id          TEXT PRIMARY KEY,
    root_span_id      TEXT,
    name              TEXT NOT NULL,
    service           TEXT,
    instance_id       TEXT,
    start_ms          DOUBLE PRECISION NOT NULL,
    end_ms            DOUBLE PRECISION NOT NULL,
    duration_ms       DOUBLE PRECISION NOT NULL,
    status            TEXT NOT NULL,
    user_id           TEXT,
    tenant_id         TEXT,
    session_id        TEXT,
    workflow          TEXT,
    workflow_id       TEXT,
    workflow_start_ms DOUBLE PRECISION,
    cost_usd          DOUBLE PRECISION NOT NULL DEFAULT 0,
    input_tokens      BIGINT NOT NULL DEFAULT 0,
    output_tokens     BIGINT NOT NULL DEFAULT 0,
    llm_calls         INTEGER NOT NULL DEFAULT 0,
    span_count        INTEGER NOT NULL DEFAULT 0,
    stored_spans      INTEGER NOT NULL DEFAULT 0,
    error_count       INTEGER NOT NULL DEFAULT 0,
    error_type        TEXT,
    has_root          INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX traces_start ON traces (start_ms);
  CREATE INDEX traces_user ON traces (user_id, start_ms);
  CREATE INDEX traces_workflow ON traces (workflow, start_ms);
  CREATE INDEX traces_service ON traces (service, start_ms);
  CREATE INDEX traces_errors ON traces (start_ms) WHERE error_count > 0;

  CREATE TABLE spans (
    trace_id        TEXT NOT NULL,
    span_id         TEXT NOT NULL,
    parent_span_id  TEXT,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    role            TEXT,
    status          TEXT NOT NULL,
    status_message  TEXT,
    start_ms        DOUBLE PRECISION NOT NULL,
    end_ms          DOUBLE PRECISION NOT NULL,
    duration_ms     DOUBLE PRECISION NOT NULL,
    service         TEXT,
    instance_id     TEXT,
    attributes      TEXT NOT NULL,
    events          TEXT,
    cost_usd        DOUBLE PRECISION,
    total_cost_usd  DOUBLE PRECISION,
    input_tokens    BIGINT,
    output_tokens   BIGINT,
    llm_call        INTEGER NOT NULL DEFAULT 0,
    model           TEXT,
    provider        TEXT,
    error_type      TEXT,
    node_type       TEXT,
    user_id         TEXT,
    tenant_id       TEXT,
    workflow        TEXT,
    PRIMARY KEY (trace_id, span_id)
  );
  CREATE INDEX spans_errors ON spans (error_type, start_ms) WHERE error_type IS NOT NULL;

  CREATE TABLE cost_calls (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms         DOUBLE PRECISION NOT NULL,
    trace_id      TEXT,
    span_id       TEXT,
    sampled       INTEGER NOT NULL DEFAULT 1,
    kind          TEXT NOT NULL DEFAULT 'tokens',
    user_id       TEXT,
    tenant_id     TEXT,
    workflow      TEXT,
    provider      TEXT,
    model         TEXT,
    cost_usd      DOUBLE PRECISION,
    input_tokens  BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0
  );
  CREATE INDEX cost_calls_at ON cost_calls (at_ms);

  CREATE TABLE latency_rollup (
    bucket_ms DOUBLE PRECISION NOT NULL,
    grp       TEXT NOT NULL,
    key       TEXT NOT NULL,
    bin       INTEGER NOT NULL,
    detail    TEXT,
    count     BIGINT NOT NULL,
    errors    BIGINT NOT NULL,
    sum_ms    DOUBLE PRECISION NOT NULL,
    max_ms    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (grp, bucket_ms, key, bin)
  );
  CREATE INDEX latency_rollup_time ON latency_rollup (bucket_ms);
  `,
];

/** Schema version this library writes to PostgreSQL. */
export const PG_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the connection's schema to `PG_SCHEMA_VERSION` in one transaction under a transaction-level advisory
 * lock keyed on the schema, so replicas starting together run each migration once: the first takes the lock and
 * migrates, the others wait for it, then find the version current. Refuses a schema written by a newer version.
 */
export async function migratePostgres(pool: Pool, label: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('nestjs_ai_tracing.schema:' || current_schema()))`);
    await client.query('CREATE TABLE IF NOT EXISTS nestjs_ai_tracing_schema (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM nestjs_ai_tracing_schema');
    let version = rows[0]?.version ?? 0;
    if (rows.length === 0) await client.query('INSERT INTO nestjs_ai_tracing_schema (version) VALUES (0)');
    if (version > PG_SCHEMA_VERSION) throw new TracingConfigError(storeSchemaTooNew(label, version, PG_SCHEMA_VERSION));
    for (; version < PG_SCHEMA_VERSION; version++) {
      await client.query(MIGRATIONS[version]!);
      await client.query('UPDATE nestjs_ai_tracing_schema SET version = $1', [version + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
