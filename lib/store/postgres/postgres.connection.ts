import { reportOnce } from '../../core/safe-execute.js';
import { describeThrown } from '../../core/thrown-value.js';
import { storeDatabaseUnreachable } from '../../tracing.messages.js';
import type { Pool, PoolClient } from './pg-driver.js';
import { migratePostgres } from './postgres.schema.js';

/** First and longest wait between reconnection attempts, in ms. */
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;

/** SQLSTATE classes and codes that mean the connection (not the statement) failed. */
const CONNECTION_SQLSTATE = /^(08|57P0[1-3]|53300)/;
const CONNECTION_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Whether `error` is a lost or refused connection (worth retrying), not a statement the database refused. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_SQLSTATE.test(code) || CONNECTION_ERRNO.has(code))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect/i.test(
    error.message,
  );
}

/** The outcome of work on a connection. */
export type ClientOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * The store's pool and whether the database answers. A lost or refused connection marks the store unavailable
 * (health shows it) and starts reconnection attempts with exponential backoff (250 ms to 10 s); work waits for
 * the connection to come back, unless the store is closing. The schema is migrated on the first connection, so
 * an app started while PostgreSQL is down migrates once it is up.
 */
export class PostgresConnection {
  available = false;
  lastFailure: { message: string; at: number } | undefined;
  /** Resolves once the schema is migrated (never, if the database never answers). */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private migrated = false;
  private waiters: Array<() => void> = [];
  private readonly lostListeners = new Set<() => void>();
  private probing = false;
  private givingUp = false;
  private closed = false;

  constructor(
    readonly pool: Pool,
    /** The URL without its password: what messages show. */
    readonly label: string,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    // An idle connection that breaks (server restart) is reported here; without a listener it would crash the app.
    pool.on('error', (error) => this.lost(error));
  }

  /** Migrates now; rejects with the database's error (the caller tells a refused connection from bad settings). */
  async connect(): Promise<void> {
    await migratePostgres(this.pool, this.label);
    this.up();
  }

  /** Marks the database unreachable after a failed first connection and keeps trying in the background. */
  startUnavailable(error: unknown): void {
    this.lost(error);
  }

  /** Runs `fn` with a pooled client; waits through a lost connection (retrying `fn`) unless closing. */
  async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<ClientOutcome<T>> {
    for (;;) {
      if (!this.available) {
        if (this.givingUp || this.closed) return { ok: false, error: new Error(this.lastFailure?.message ?? storeDatabaseUnreachable(this.label, 'closed')) };
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      let client: PoolClient | undefined;
      const onError = (error: Error) => this.lost(error);
      try {
        client = await this.pool.connect();
        client.on('error', onError);
        const value = await fn(client);
        client.removeListener('error', onError);
        client.release();
        return { ok: true, value };
      } catch (error) {
        client?.removeListener('error', onError);
        if (!isConnectionError(error)) {
          client?.release();
          return { ok: false, error };
        }
        client?.release(error instanceof Error ? error : true);
        this.lost(error);
      }
    }
  }

  /** Calls `listener` when the connection is next lost; returns the unsubscribe function. */
  onLost(listener: () => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Work waiting for the connection stops waiting (and fails) from now on: the store is closing. */
  giveUpWaiting(): void {
    this.givingUp = true;
    this.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    await this.pool.end().catch(() => undefined);
  }

  private up(): void {
    this.migrated = true;
    this.available = true;
    this.markReady();
    this.wake();
  }

  private lost(error: unknown): void {
    if (this.closed) return;
    const message = storeDatabaseUnreachable(this.label, describeThrown(error).message);
    this.lastFailure = { message, at: Date.now() };
    if (!this.available && this.probing) return;
    this.available = false;
    for (const listener of [...this.lostListeners]) listener();
    reportOnce('trace store database', new Error(message));
    void this.probe();
  }

  /** Tries to reach the database with growing waits until it answers (and is migrated) or the store closes. */
  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    let wait = FIRST_BACKOFF_MS;
    while (!this.closed) {
      await new Promise<void>((resolve) => setTimeout(resolve, wait).unref());
      if (this.closed) break;
      try {
        if (this.migrated) await this.pool.query('SELECT 1');
        else await migratePostgres(this.pool, this.label);
        this.probing = false;
        this.up();
        return;
      } catch (error) {
        this.lastFailure = { message: storeDatabaseUnreachable(this.label, describeThrown(error).message), at: Date.now() };
        wait = Math.min(wait * 2, MAX_BACKOFF_MS);
      }
    }
    this.probing = false;
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
