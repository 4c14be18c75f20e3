import { TracingConfigError } from '../config/tracing-config.error.js';
import { storeSchemaTooNew } from '../tracing.messages.js';
import { latencyBackfillSql } from './latency-rollup.js';
import type { SqliteDatabase } from './sqlite-driver.js';

/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran. Never edit a shipped
 * entry: append a new one, so a file written by an older version upgrades in place.
 * Times are epoch milliseconds (REAL, sub-millisecond precision); costs are USD.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE traces (
    trace_id          TEXT PRIMARY KEY,
    root_span_id      TEXT,
    name              TEXT NOT NULL,
    service           TEXT,
    start_ms          REAL NOT NULL,
    end_ms            REAL NOT NULL,
    duration_ms       REAL NOT NULL,
    status            TEXT NOT NULL,
    user_id           TEXT,
    tenant_id         TEXT,
    session_id        TEXT,
    workflow          TEXT,
    workflow_id       TEXT,
    workflow_start_ms REAL,
    cost_usd          REAL NOT NULL DEFAULT 0,
    input_tokens      INTEGER NOT NULL DEFAULT 0,
    output_tokens     INTEGER NOT NULL DEFAULT 0,
    llm_calls         INTEGER NOT NULL DEFAULT 0,
    span_count        INTEGER NOT NULL DEFAULT 0,
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
    start_ms        REAL NOT NULL,
    end_ms          REAL NOT NULL,
    duration_ms     REAL NOT NULL,
    service         TEXT,
    attributes      TEXT NOT NULL,
    events          TEXT,
    cost_usd        REAL,
    total_cost_usd  REAL,
    input_tokens    INTEGER,
    output_tokens   INTEGER,
    llm_call        INTEGER NOT NULL DEFAULT 0,
    model           TEXT,
    provider        TEXT,
    error_type      TEXT,
    node_type       TEXT,
    user_id         TEXT,
    tenant_id       TEXT,
    workflow        TEXT
  );
  CREATE UNIQUE INDEX spans_id ON spans (trace_id, span_id);
  CREATE INDEX spans_role ON spans (role, start_ms);
  CREATE INDEX spans_llm ON spans (start_ms) WHERE llm_call = 1;
  CREATE INDEX spans_errors ON spans (error_type, start_ms) WHERE error_type IS NOT NULL;
  `,
  // 2: the per-trace span cap (stored_spans: spans kept; span_count: spans seen), one compact cost row per
  // provider call, sampled or not, which the cost report reads, and the latency histograms of the slowest
  // report (see latency-rollup.ts). Both are filled from the spans already stored.
  `
  ALTER TABLE traces ADD COLUMN stored_spans INTEGER NOT NULL DEFAULT 0;
  UPDATE traces SET stored_spans = span_count;

  CREATE TABLE cost_calls (
    at_ms         REAL NOT NULL,
    trace_id      TEXT,
    span_id       TEXT,
    sampled       INTEGER NOT NULL DEFAULT 1,
    kind          TEXT NOT NULL DEFAULT 'tokens',
    user_id       TEXT,
    tenant_id     TEXT,
    workflow      TEXT,
    provider      TEXT,
    model         TEXT,
    cost_usd      REAL,
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX cost_calls_at ON cost_calls (at_ms);

  INSERT INTO cost_calls (at_ms, trace_id, span_id, sampled, kind, user_id, tenant_id, workflow, provider, model, cost_usd,
    input_tokens, output_tokens)
  SELECT s.start_ms, s.trace_id, s.span_id, 1, 'tokens', COALESCE(s.user_id, t.user_id), COALESCE(s.tenant_id, t.tenant_id),
    COALESCE(s.workflow, t.workflow), s.provider, s.model, s.cost_usd, COALESCE(s.input_tokens, 0), COALESCE(s.output_tokens, 0)
  FROM spans s LEFT JOIN traces t ON t.trace_id = s.trace_id WHERE s.llm_call = 1;

  CREATE TABLE latency_rollup (
    bucket_ms REAL NOT NULL,
    grp       TEXT NOT NULL,
    key       TEXT NOT NULL,
    bin       INTEGER NOT NULL,
    detail    TEXT,
    count     INTEGER NOT NULL,
    errors    INTEGER NOT NULL,
    sum_ms    REAL NOT NULL,
    max_ms    REAL NOT NULL,
    PRIMARY KEY (grp, bucket_ms, key, bin)
  ) WITHOUT ROWID;
  CREATE INDEX latency_rollup_time ON latency_rollup (bucket_ms);

  ${latencyBackfillSql('1 = 1')};

  -- Read by the latency report and the cost report before, now served by the two tables above.
  DROP INDEX spans_role;
  DROP INDEX spans_llm;
  `,
  // 3: the replica that wrote a span (`service.instance.id`), and the one that served a trace's root.
  `
  ALTER TABLE spans ADD COLUMN instance_id TEXT;
  ALTER TABLE traces ADD COLUMN instance_id TEXT;
  `,
];

/** Schema version this library writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings `db` to `SCHEMA_VERSION` (or `target`, for tests of an upgrade), each migration in its own transaction;
 * refuses files from a newer version.
 */
export function migrate(db: SqliteDatabase, path: string, target = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw new TracingConfigError(storeSchemaTooNew(path, current, SCHEMA_VERSION));
  // A new file gives pages freed by retention back to the OS on demand (it can only be chosen before any table).
  if (current === 0) db.pragma('auto_vacuum = INCREMENTAL');
  for (let version = current; version < target; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

const MB = 1024 * 1024;

/**
 * Settings of every connection that writes the store: WAL (readers never block the writer), `synchronous =
 * NORMAL` (durable at checkpoints, as WAL allows), a busy timeout for a second writer (another app instance),
 * and a WAL checkpointed every 1,000 pages (4 MB), or an eighth of a small size cap, then truncated back to at
 * most a quarter of the cap or 32 MB, so that it stays small beside the file.
 */
export function configureConnection(db: SqliteDatabase, config: { maxSizeMb: number }): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 2000');
  const capBytes = config.maxSizeMb * MB;
  db.pragma(`wal_autocheckpoint = ${Math.max(64, Math.min(1000, Math.floor(capBytes / 8 / 4096)))}`);
  db.pragma(`journal_size_limit = ${Math.min(32 * MB, Math.floor(capBytes / 4))}`);
}
