import { TracingConfigError } from '../config/tracing-config.error.js';
import { storeSchemaTooNew } from '../tracing.messages.js';
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
];

/** Schema version this library writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings `db` to `SCHEMA_VERSION`, each migration in its own transaction; refuses files from a newer version. */
export function migrate(db: SqliteDatabase, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw new TracingConfigError(storeSchemaTooNew(path, current, SCHEMA_VERSION));
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
