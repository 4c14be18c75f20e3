import { createRequire } from 'node:module';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { TracingConfigError } from '../../config/tracing-config.error.js';
import { storeDriverMissing } from '../../tracing.messages.js';

/** The parts of `pg` the store uses. */
export interface PgModule {
  Pool: new (config: PoolConfig) => Pool;
}

export type { Pool, PoolClient };

const requireFromHere = createRequire(import.meta.url);

/** OIDs of `bigint` (COUNT, SUM of integers) and `numeric` (SUM of bigints), which `pg` returns as text. */
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Loads `pg` only when the PostgreSQL store is chosen: it is an optional peer dependency, so an app without it
 * never needs it. A missing module becomes a bootstrap error that says what to install.
 */
export function loadPg(moduleName = 'pg'): PgModule {
  try {
    return requireFromHere(moduleName) as PgModule;
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new TracingConfigError(storeDriverMissing(moduleName, detail));
  }
}

/**
 * Type parsers of the store's pool: counts and sums as numbers (they stay far below 2^53), as SQLite gives them,
 * so both backends answer with the same shapes. Set per pool, never on `pg`'s global parsers the app may use.
 */
export function storeTypes(pg: PgModule): NonNullable<PoolConfig['types']> {
  const base = (pg as unknown as { types: { getTypeParser: NonNullable<PoolConfig['types']>['getTypeParser'] } }).types;
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID || oid === NUMERIC_OID ? (value: string) => Number(value) : base.getTypeParser(oid, format)) as NonNullable<
      PoolConfig['types']
    >['getTypeParser'],
  };
}
