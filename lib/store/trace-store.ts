import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { TracingConfigError } from '../config/tracing-config.error.js';
import { reportOnce } from '../core/safe-execute.js';
import { iso, type StoreHealth, type StoreHealthSource } from '../health/tracing-health.js';
import { storeOpenFailed } from '../tracing.messages.js';
import { SpanWriter } from './span-writer.js';
import { loadSqliteDriver, type SqliteDatabase, type SqliteDriver, type SqliteStatement } from './sqlite-driver.js';
import { TraceStoreProcessor, type TraceStoreProcessorCounters } from './trace-store.processor.js';
import { migrate } from './trace-store.schema.js';

/** Store settings, as resolved from `store` options and `TRACING_STORE_*` variables. */
export type TraceStoreConfig = ResolvedTracingConfig['store'];

/** Internal tuning, mostly for tests. */
export interface TraceStoreTuning {
  /** The `better-sqlite3` constructor to use. @default loaded lazily from `better-sqlite3` */
  driver?: SqliteDriver;
  /** Spans per write transaction. @default 512 */
  batchSize?: number;
  /** Longest wait before queued spans are written, in ms. @default 200 */
  flushDelayMillis?: number;
  /** How often retention runs after the one at open, in ms. @default 600000 (10 minutes) */
  pruneIntervalMillis?: number;
}

/** Counts of a store: rows on disk and what its processor did. */
export interface TraceStoreStats extends TraceStoreProcessorCounters {
  path: string;
  traces: number;
  spans: number;
}

const DAY_MS = 86_400_000;
/** Traces deleted per transaction, so a large prune never holds the write lock for long. */
const PRUNE_CHUNK = 1000;

/**
 * The embedded SQLite trace store: one file (WAL mode) holding the `traces` and `spans` tables, fed by
 * `processor` (add it to the tracer provider) and read by `TraceStoreService`. Retention (age and count)
 * runs at open and then periodically on an unref'd timer.
 */
export class TraceStore implements StoreHealthSource {
  /** Span processor that writes finished spans to this store. */
  readonly processor: TraceStoreProcessor;
  private readonly statements = new Map<string, SqliteStatement>();
  private readonly pruneTimer: NodeJS.Timeout;
  private open = true;

  private constructor(
    /** Absolute path of the SQLite file. */
    readonly path: string,
    /** The connection; used by `TraceStoreService`, not part of the public API. */
    readonly db: SqliteDatabase,
    private readonly config: TraceStoreConfig,
    tuning: TraceStoreTuning,
  ) {
    this.processor = new TraceStoreProcessor(new SpanWriter(db), {
      maxQueueSize: config.maxQueueSize,
      batchSize: tuning.batchSize,
      flushDelayMillis: tuning.flushDelayMillis,
    });
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), tuning.pruneIntervalMillis ?? 600_000);
    this.pruneTimer.unref();
  }

  /**
   * Opens (creating the folder and file if needed) and migrates the store at `config.path` (`:memory:` for a
   * store that lives as long as the process). Traces can hold prompts and user ids, so a new folder and file
   * are private to the owner (0700/0600).
   * Throws `TracingConfigError` when `better-sqlite3` is missing or the file cannot be opened.
   */
  static open(config: TraceStoreConfig, tuning: TraceStoreTuning = {}): TraceStore {
    const driver = tuning.driver ?? loadSqliteDriver();
    const inMemory = config.path === ':memory:';
    const path = inMemory ? config.path : resolve(config.path);
    let db: SqliteDatabase | undefined;
    try {
      const created = !inMemory && !existsSync(path);
      if (!inMemory) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      db = new driver(path);
      if (created) chmodSync(path, 0o600);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Another process (a second app instance) may hold the write lock briefly.
      db.pragma('busy_timeout = 2000');
      migrate(db, path);
      return new TraceStore(path, db, config, tuning);
    } catch (error) {
      db?.close();
      if (error instanceof TracingConfigError) throw error;
      throw new TracingConfigError(storeOpenFailed(path, error instanceof Error ? error.message : String(error)));
    }
  }

  /** Whether `close()` has not been called yet. */
  get isOpen(): boolean {
    return this.open;
  }

  /** A prepared statement, cached by its SQL text (the queries build a bounded set of variants). */
  statement(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Deletes traces (and their spans) that started more than `retentionDays` before `now`, then the oldest
   * ones beyond `maxTraces`. A value of 0 turns that rule off. Returns how many traces were deleted.
   */
  prune(now = Date.now()): number {
    if (!this.open) return 0;
    try {
      let deleted = 0;
      if (this.config.retentionDays > 0) {
        const cutoff = now - this.config.retentionDays * DAY_MS;
        deleted += this.deleteChunks('SELECT trace_id FROM traces WHERE start_ms < ? LIMIT ?', [cutoff]);
      }
      if (this.config.maxTraces > 0) {
        const over = (this.statement('SELECT COUNT(*) AS n FROM traces').get() as { n: number }).n - this.config.maxTraces;
        if (over > 0) {
          deleted += this.deleteChunks('SELECT trace_id FROM traces ORDER BY start_ms, trace_id LIMIT ?', [], over);
        }
      }
      return deleted;
    } catch (error) {
      reportOnce('trace store retention', error);
      return 0;
    }
  }

  /** Row counts and processor counters. */
  stats(): TraceStoreStats {
    const traces = (this.statement('SELECT COUNT(*) AS n FROM traces').get() as { n: number }).n;
    const spans = (this.statement('SELECT COUNT(*) AS n FROM spans').get() as { n: number }).n;
    return { path: this.path, traces, spans, ...this.processor.stats() };
  }

  /** The processor's counters, without touching the database (cheap enough for a health endpoint). */
  health(): StoreHealth {
    const failure = this.processor.lastFailure();
    return {
      backend: 'sqlite',
      available: this.open,
      ...this.processor.stats(),
      ...(failure ? { lastError: failure.message, lastErrorAt: iso(failure.at) } : {}),
    };
  }

  /** Writes queued spans, stops retention and closes the file. Safe to call twice. */
  async close(): Promise<void> {
    if (!this.open) return;
    clearInterval(this.pruneTimer);
    await this.processor.shutdown();
    this.open = false;
    this.statements.clear();
    this.db.close();
  }

  /**
   * Deletes the traces selected by `select` (its last parameter is the chunk size) chunk by chunk, each
   * chunk in one transaction with its spans. `limit` caps the total.
   */
  private deleteChunks(select: string, params: unknown[], limit = Infinity): number {
    const chunk = this.db.transaction((size: number) => {
      const ids = (this.statement(select).all(...params, size) as Array<{ trace_id: string }>).map((r) => r.trace_id);
      if (ids.length === 0) return 0;
      const json = JSON.stringify(ids);
      this.statement('DELETE FROM spans WHERE trace_id IN (SELECT value FROM json_each(?))').run(json);
      this.statement('DELETE FROM traces WHERE trace_id IN (SELECT value FROM json_each(?))').run(json);
      return ids.length;
    });
    let total = 0;
    for (;;) {
      const size = Math.min(PRUNE_CHUNK, limit - total);
      if (size <= 0) break;
      const n = chunk(size);
      total += n;
      if (n < size) break;
    }
    return total;
  }
}
