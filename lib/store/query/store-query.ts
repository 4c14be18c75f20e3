import type { SqliteDatabase, SqliteStatement } from '../sqlite-driver.js';

/** One read statement and its bound parameters. Every value from a caller is a parameter, never SQL text. */
export interface SqlQuery {
  sql: string;
  params: readonly unknown[];
}

/**
 * Runs read statements against the store, away from the caller's thread where it can. Each call's statements
 * run in one read transaction (one consistent snapshot) and resolve with their rows, in order.
 */
export interface StoreQueryRunner {
  run(queries: readonly SqlQuery[]): Promise<unknown[][]>;
  /** Stops the runner; queries still waiting fail. */
  close(): Promise<void>;
}

/**
 * A query that did not answer in time, or could not start because too many were waiting. The explorer answers
 * 503 with its message; nothing was changed by it.
 */
export class TraceQueryTimeoutError extends Error {
  override readonly name = 'TraceQueryTimeoutError';
}

/**
 * Runs `queries` on `db` in one read transaction, with prepared statements cached in `cache` by SQL text (the
 * queries build a bounded set of variants). Shared by the worker thread and the in-thread runner.
 */
export function readAll(db: SqliteDatabase, cache: Map<string, SqliteStatement>, queries: readonly SqlQuery[]): unknown[][] {
  const statement = (sql: string) => {
    let prepared = cache.get(sql);
    if (!prepared) {
      prepared = db.prepare(sql);
      cache.set(sql, prepared);
    }
    return prepared;
  };
  return db.transaction(() => queries.map((q) => statement(q.sql).all(...q.params)))();
}

/**
 * Runs queries on the caller's thread, on the store's own connection: for `:memory:` stores, which no other
 * connection can open. Bounded by the same row limits, not moved off the event loop.
 */
export class InThreadQueryRunner implements StoreQueryRunner {
  private readonly cache = new Map<string, SqliteStatement>();

  constructor(private readonly db: SqliteDatabase) {}

  run(queries: readonly SqlQuery[]): Promise<unknown[][]> {
    try {
      return Promise.resolve(readAll(this.db, this.cache, queries));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  close(): Promise<void> {
    this.cache.clear();
    return Promise.resolve();
  }
}
