import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { TracingConfigError } from '../config/tracing-config.error.js';
import { iso, type StoreHealth, type StoreHealthSource } from '../health/tracing-health.js';
import { storeOpenFailed } from '../tracing.messages.js';
import { InThreadQueryRunner, type StoreQueryRunner } from './query/store-query.js';
import { SQLITE_DIALECT, type TraceStoreDialect } from './query/trace-store.sql.js';
import { WorkerQueryRunner } from './query/worker-query.runner.js';
import { loadSqliteDriver, type SqliteDatabase, type SqliteDriver } from './sqlite-driver.js';
import { TraceStoreProcessor, type TraceStoreProcessorCounters } from './trace-store.processor.js';
import { configureConnection, migrate } from './trace-store.schema.js';
import { InThreadStoreWriter, type StoreWriter } from './write/store-writer.js';
import { WorkerStoreWriter } from './write/worker-store.writer.js';

/** Store settings, as resolved from `store` options and `TRACING_STORE_*` variables. */
export type TraceStoreConfig = ResolvedTracingConfig['store'];

/** Internal tuning, mostly for tests. */
export interface TraceStoreTuning {
  /** The `better-sqlite3` constructor to use. @default loaded lazily from `better-sqlite3` */
  driver?: SqliteDriver;
  /** Spans per hand-over to the writer. @default 512 */
  batchSize?: number;
  /** Longest wait before queued spans are handed over, in ms. @default 200 */
  flushDelayMillis?: number;
  /** How often retention runs besides the checks after each write, in ms. @default 600000 (10 minutes) */
  pruneIntervalMillis?: number;
  /** Write and read on the caller's thread instead of worker threads. @default true only for `:memory:` and a given `driver` */
  inThread?: boolean;
}

/** Counts of a store: rows on disk, its size and what its processor did. */
export interface TraceStoreStats extends TraceStoreProcessorCounters {
  path: string;
  traces: number;
  spans: number;
  /** Cost rows in the store (one per provider call, sampled or not). */
  costRows: number;
  /** Spans of the stored traces counted past `store.maxSpansPerTrace` and not stored. */
  spansOverCap: number;
  /** Bytes of the database in use (its bound is `store.maxSizeMb`). */
  sizeBytes: number;
}

/** What a backend opens: its writer, reader and SQL, and how to close its connection. */
export interface TraceStoreBackend {
  driver: ResolvedTracingConfig['store']['driver'];
  /** Path of the SQLite file, or the PostgreSQL URL without its password. */
  location: string;
  writer: StoreWriter;
  reader: StoreQueryRunner;
  dialect: TraceStoreDialect;
  /** The SQLite connection of this thread (SQLite only). */
  db?: SqliteDatabase;
  closeConnection(): Promise<void>;
}

/**
 * The trace store: the `traces`, `spans`, `cost_calls` and `latency_rollup` tables, in one SQLite file (WAL
 * mode) or one PostgreSQL database shared by every replica. `processor` (add it to the tracer provider; it is
 * also the cost ledger of `CostService`) hands rows to the backend's writer, which writes them in batches off the
 * request path and keeps age and trace count (and, on SQLite, size) within their bounds; `TraceStoreService`
 * reads through `reader` with `dialect`. On SQLite the writer and reader are threads of their own (except for a
 * `:memory:` store); on PostgreSQL the database does the work.
 */
export class TraceStore implements StoreHealthSource {
  /** Span processor that queues finished spans (and cost rows) for the writer. */
  readonly processor: TraceStoreProcessor;
  /** Runs the read queries. */
  readonly reader: StoreQueryRunner;
  /** The SQL text of the read queries. */
  readonly dialect: TraceStoreDialect;
  /** Path of the SQLite file, or the PostgreSQL URL without its password. */
  readonly path: string;
  private readonly writer: StoreWriter;
  private open = true;

  private constructor(
    private readonly backend: TraceStoreBackend,
    readonly config: TraceStoreConfig,
    tuning: TraceStoreTuning,
  ) {
    this.path = backend.location;
    this.writer = backend.writer;
    this.reader = backend.reader;
    this.dialect = backend.dialect;
    this.processor = new TraceStoreProcessor(this.writer, {
      maxQueueSize: config.maxQueueSize,
      batchSize: tuning.batchSize,
      flushDelayMillis: tuning.flushDelayMillis,
    });
  }

  /** A connection of this thread to the SQLite file, used for migrations, tests and `:memory:`; not part of the public API. */
  get db(): SqliteDatabase {
    if (!this.backend.db) throw new Error(`nestjs-ai-tracing: the ${this.backend.driver} trace store has no SQLite connection`);
    return this.backend.db;
  }

  /**
   * Opens the store of `config.driver`: `open` for SQLite, `openPostgresStore` for PostgreSQL (which resolves
   * even while the database is down: the store then reports unavailable and reconnects).
   */
  static async connect(config: TraceStoreConfig, tuning: TraceStoreTuning = {}): Promise<TraceStore> {
    if (config.driver === 'sqlite') return TraceStore.open(config, tuning);
    const { openPostgresStore } = await import('./postgres/postgres-store.js');
    return new TraceStore(await openPostgresStore(config, tuning), config, tuning);
  }

  /**
   * Opens (creating the folder and file if needed) and migrates the SQLite store at `config.path` (`:memory:` for
   * a store that lives as long as the process). Traces can hold prompts and user ids, so a new folder and file
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
      configureConnection(db, config);
      migrate(db, path);
      const opened = db;
      // A `:memory:` database and a driver passed in (tests) exist only in this thread.
      const inThread = tuning.inThread ?? (path === ':memory:' || tuning.driver !== undefined);
      const writeTuning = { pruneIntervalMillis: tuning.pruneIntervalMillis };
      return new TraceStore(
        {
          driver: 'sqlite',
          location: path,
          db: opened,
          writer: inThread ? new InThreadStoreWriter(opened, config, writeTuning) : new WorkerStoreWriter(path, config, writeTuning),
          reader: inThread ? new InThreadQueryRunner(opened) : new WorkerQueryRunner(path, { timeoutMillis: config.queryTimeoutMillis }),
          dialect: SQLITE_DIALECT,
          closeConnection: () => {
            opened.close();
            return Promise.resolve();
          },
        },
        config,
        tuning,
      );
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

  /**
   * Deletes what is beyond the bounds now: traces (with their spans), cost rows and latency histograms older
   * than `retentionDays` before `now`, then the oldest traces beyond `maxTraces`, then the oldest beyond
   * `maxSizeMb`, in bounded batches. Resolves with the number of traces deleted. Runs by itself after writes and
   * on a timer.
   */
  prune(now = Date.now()): Promise<number> {
    return this.open ? this.writer.prune(now) : Promise.resolve(0);
  }

  /** Row counts and size (read by the query runner) and processor counters. */
  async stats(): Promise<TraceStoreStats> {
    const [[counts]] = (await this.reader.run([this.dialect.counts()])) as [[Pick<TraceStoreStats, 'traces' | 'spans' | 'costRows' | 'spansOverCap' | 'sizeBytes'>]];
    return { path: this.path, ...this.processor.stats(), ...counts };
  }

  /** The processor's and writer's counters, without touching the database (cheap enough for a health endpoint). */
  health(): StoreHealth {
    const failure = this.processor.lastFailure();
    return {
      backend: this.backend.driver,
      available: this.open && (this.writer.available?.() ?? true),
      ...this.processor.stats(),
      ...(failure ? { lastError: failure.message, lastErrorAt: iso(failure.at) } : {}),
    };
  }

  /** Writes queued spans, stops the writer (and its retention) and the reader, and closes the file or pool. Safe to call twice. */
  async close(): Promise<void> {
    if (!this.open) return;
    await this.processor.shutdown();
    this.open = false;
    await this.writer.close();
    await this.reader.close();
    await this.backend.closeConnection();
  }
}
