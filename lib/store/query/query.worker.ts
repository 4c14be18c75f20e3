/**
 * Worker thread of the trace store's read queries: opens the store file read-only, with its own connection, and
 * answers `{ id, queries }` messages with `{ id, rows }` or `{ id, error }`. The app's event loop only waits for
 * a message while SQLite scans, sorts and groups here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '../background-thread.js';
import { loadSqliteDriver, type SqliteStatement } from '../sqlite-driver.js';
import { readAll, type SqlQuery } from './store-query.js';

/** What the worker is started with. */
export interface QueryWorkerData {
  path: string;
  busyTimeoutMillis: number;
}

lowerThreadPriority();
const { path, busyTimeoutMillis } = workerData as QueryWorkerData;
const Driver = loadSqliteDriver();
const db = new Driver(path, { readonly: true, fileMustExist: true });
db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMillis)}`);
db.pragma('query_only = 1');
const cache = new Map<string, SqliteStatement>();

parentPort!.on('message', (message: { id: number; queries: SqlQuery[] }) => {
  try {
    parentPort!.postMessage({ id: message.id, rows: readAll(db, cache, message.queries) });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
