import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL of the project's machines (`.ci/run` starts it): trust auth on 127.0.0.1. */
export const POSTGRES_BASE_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own for one test, so tests run in parallel on one database. */
export interface TestSchema {
  name: string;
  /** `POSTGRES_BASE_URL` with the schema as search path: give it to `store.url`. */
  url: string;
  /** Runs one statement in the schema (for assertions on rows). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** The URL of `schema` on `base` (`base` may be a relay's address). */
export function schemaUrl(schema: string, base = POSTGRES_BASE_URL): string {
  return `${base}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** Creates a schema with a random name. */
export async function createTestSchema(prefix = 't'): Promise<TestSchema> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_BASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  await admin.end();
  const url = schemaUrl(name);
  return {
    name,
    url,
    query: async <T>(sql: string, params: unknown[] = []) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    },
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_BASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await client.end();
    },
  };
}
