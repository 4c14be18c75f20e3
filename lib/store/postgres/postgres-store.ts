import { redactUrl } from '../../config/database-url.js';
import { TracingConfigError } from '../../config/tracing-config.error.js';
import { describeThrown } from '../../core/thrown-value.js';
import { storeConnectFailed } from '../../tracing.messages.js';
import type { TraceStoreBackend, TraceStoreConfig, TraceStoreTuning } from '../trace-store.js';
import { loadPg, storeTypes } from './pg-driver.js';
import { isConnectionError, PostgresConnection } from './postgres.connection.js';
import { POSTGRES_DIALECT, PostgresQueryRunner } from './postgres-query.runner.js';
import { PostgresStoreWriter } from './postgres-store.writer.js';

/** Longest wait for a connection from the pool (or a new one to the server), in ms. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Opens the PostgreSQL store of `config.url`: a pool of `config.poolSize` connections, the schema migrated once
 * (an advisory lock lets many replicas start together). A database that does not answer (refused, reset, timed
 * out) is not fatal: the app starts, the store reports unavailable and reconnects with backoff. A database that
 * answers no (bad credentials, unknown database, no permission) is a bootstrap error naming `store.url` without
 * the password.
 */
export async function openPostgresStore(config: TraceStoreConfig, tuning: TraceStoreTuning): Promise<TraceStoreBackend> {
  const pg = loadPg();
  const url = config.url!;
  const label = redactUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: config.poolSize,
    types: storeTypes(pg),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: 'nestjs-ai-tracing',
    // The pool never keeps the process alive: closing the store (at app shutdown) ends it.
    allowExitOnIdle: true,
  });
  const connection = new PostgresConnection(pool, label);
  try {
    await connection.connect();
  } catch (error) {
    if (!isConnectionError(error)) {
      await pool.end().catch(() => undefined);
      if (error instanceof TracingConfigError) throw error;
      throw new TracingConfigError(storeConnectFailed(label, describeThrown(error).message));
    }
    connection.startUnavailable(error);
  }
  const writer = new PostgresStoreWriter(connection, config, { pruneIntervalMillis: tuning.pruneIntervalMillis });
  return {
    driver: 'postgres',
    location: label,
    writer,
    reader: new PostgresQueryRunner(connection, config.queryTimeoutMillis),
    dialect: POSTGRES_DIALECT,
    closeConnection: () => connection.close(),
  };
}
