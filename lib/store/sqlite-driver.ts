import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { TracingConfigError } from '../config/tracing-config.error.js';
import { storeDriverMissing } from '../tracing.messages.js';

/** The `better-sqlite3` constructor. */
export type SqliteDriver = typeof Database;
/** An open `better-sqlite3` connection. */
export type SqliteDatabase = Database.Database;
/** A prepared statement. */
export type SqliteStatement = Database.Statement;

const requireFromHere = createRequire(import.meta.url);

/**
 * Loads `better-sqlite3` only when the store is enabled: it is an optional peer dependency, so an app without
 * the store never needs the native module. A missing module becomes a bootstrap error that says what to install.
 */
export function loadSqliteDriver(moduleName = 'better-sqlite3'): SqliteDriver {
  try {
    return requireFromHere(moduleName) as SqliteDriver;
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new TracingConfigError(storeDriverMissing(moduleName, detail));
  }
}
