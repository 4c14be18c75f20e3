import { queryTimedOut, storeDatabaseUnreachable } from '../../tracing.messages.js';
import { TraceQueryTimeoutError, type SqlQuery, type StoreQueryRunner } from '../query/store-query.js';
import { dialectOf, type TraceStoreDialect } from '../query/trace-store.sql.js';
import { isConnectionError, type PostgresConnection } from './postgres.connection.js';

/** SQLSTATE of a statement cancelled by `statement_timeout`. */
const QUERY_CANCELED = '57014';

/** The read queries in PostgreSQL's SQL. */
export const POSTGRES_DIALECT: TraceStoreDialect = dialectOf({
  day: (column) => `to_char(to_timestamp(${column} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  like: 'ILIKE',
  counts: {
    sql: `SELECT (SELECT COUNT(*) FROM traces) AS traces, (SELECT COUNT(*) FROM spans) AS spans,
      (SELECT COUNT(*) FROM cost_calls) AS "costRows",
      (SELECT COALESCE(SUM(span_count - stored_spans), 0) FROM traces) AS "spansOverCap",
      (SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
          AND c.relname IN ('traces', 'spans', 'cost_calls', 'latency_rollup')) AS "sizeBytes"`,
    params: [],
  },
});

/** `?` placeholders numbered `$1, $2...` (the shared SQL has no `?` inside string literals). */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Runs the store's read queries on a pooled connection: each call in one read-only, repeatable-read transaction
 * (one snapshot, as SQLite's read transaction), bounded by `statement_timeout` (the database cancels a query that
 * runs past it). Fails at once with a `TraceQueryTimeoutError` (the explorer answers 503) while the database is
 * unreachable.
 */
export class PostgresQueryRunner implements StoreQueryRunner {
  private closed = false;

  constructor(
    private readonly connection: PostgresConnection,
    private readonly timeoutMillis: number,
  ) {}

  async run(queries: readonly SqlQuery[]): Promise<unknown[][]> {
    if (this.closed) throw new Error('nestjs-ai-tracing: the trace store is closed');
    if (!this.connection.available) {
      throw new TraceQueryTimeoutError(this.connection.lastFailure?.message ?? storeDatabaseUnreachable(this.connection.label, 'not connected yet'));
    }
    let client;
    try {
      client = await this.connection.pool.connect();
    } catch (error) {
      throw new TraceQueryTimeoutError(storeDatabaseUnreachable(this.connection.label, error instanceof Error ? error.message : String(error)));
    }
    const onError = () => undefined;
    client.on('error', onError);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.trunc(this.timeoutMillis))}`);
      const results: unknown[][] = [];
      for (const q of queries) results.push((await client.query(numberedPlaceholders(q.sql), [...q.params])).rows as unknown[]);
      await client.query('COMMIT');
      return results;
    } catch (error) {
      await client.query('ROLLBACK').catch((e: unknown) => (broken = e instanceof Error ? e : new Error(String(e))));
      if ((error as { code?: unknown }).code === QUERY_CANCELED) throw new TraceQueryTimeoutError(queryTimedOut(this.timeoutMillis));
      // A connection lost mid-query: try again later, as while it is down (the explorer answers 503).
      if (isConnectionError(error)) {
        broken ??= error instanceof Error ? error : new Error(String(error));
        throw new TraceQueryTimeoutError(storeDatabaseUnreachable(this.connection.label, broken.message));
      }
      throw error instanceof Error ? error : new Error(String(error));
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
