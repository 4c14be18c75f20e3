import { reportOnce } from '../../core/safe-execute.js';
import { LATENCY_INTERVAL_MS } from '../latency-rollup.js';
import type { TraceStoreConfig } from '../trace-store.js';
import { SPANS_PER_BATCH } from '../write/store-retention.js';
import type { PoolClient } from './pg-driver.js';
import type { PostgresConnection } from './postgres.connection.js';
import { SerialRuns } from '../serial-runs.js';

const DAY_MS = 86_400_000;
/** Traces looked at per batch. */
const TRACES_PER_BATCH = 500;
/** New traces written between trace-count checks, at least (counting a large table is not free). */
const COUNT_CHECK_EVERY = 1000;

/**
 * Age (`retentionDays`) and count (`maxTraces`) bounds of the PostgreSQL store, oldest traces first, in
 * transactions of at most `SPANS_PER_BATCH` spans (and as many cost rows), so no lock is held for long and
 * writers of other replicas go on between batches. One replica prunes at a time (a session advisory lock per
 * schema; the others skip their run). `maxSizeMb` is not applied: the database's size is its operator's to
 * bound, with the age and count limits.
 */
export class PostgresRetention {
  private readonly runs = new SerialRuns();
  private newTraces = 0;

  constructor(
    private readonly connection: PostgresConnection,
    private readonly config: TraceStoreConfig,
  ) {}

  /** After a write: prunes once enough new traces were written since the last check. */
  afterWrite(newTraces: number): void {
    this.newTraces += newTraces;
    if (this.newTraces < Math.min(COUNT_CHECK_EVERY, Math.max(1, Math.floor(this.config.maxTraces / 100)))) return;
    this.newTraces = 0;
    if (!this.runs.busy) void this.prune();
  }

  /** Deletes what is beyond the bounds now; resolves with the number of traces deleted (0 when another replica is at it). */
  prune(now = Date.now()): Promise<number> {
    return this.runs.queue(() => this.run(now));
  }

  async stop(): Promise<void> {
    await this.runs.settled();
  }

  private async run(now: number): Promise<number> {
    if (!this.connection.available) return 0;
    const outcome = await this.connection.withClient(async (client) => {
      const lock = `hashtext('nestjs_ai_tracing.retention:' || current_schema())`;
      const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${lock}) AS locked`);
      if (!rows[0]?.locked) return 0;
      try {
        return await this.prune0(client, now);
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${lock})`);
      }
    });
    if (!outcome.ok) reportOnce('trace store retention', outcome.error);
    return outcome.ok ? outcome.value : 0;
  }

  private async prune0(client: PoolClient, now: number): Promise<number> {
    let deleted = 0;
    const { retentionDays, maxTraces } = this.config;
    if (retentionDays > 0) {
      const cutoff = now - retentionDays * DAY_MS;
      for (;;) {
        const step = await this.step(client, 'WHERE start_ms < $1', [cutoff], TRACES_PER_BATCH, cutoff);
        deleted += step.traces;
        if (!step.progress) break;
      }
    }
    if (maxTraces > 0) {
      const { rows } = await client.query<{ n: number }>('SELECT COUNT(*) AS n FROM traces');
      let over = (rows[0]?.n ?? 0) - maxTraces;
      while (over > 0) {
        const step = await this.step(client, '', [], Math.min(TRACES_PER_BATCH, over), null);
        deleted += step.traces;
        over -= step.traces;
        if (step.traces === 0) break;
      }
    }
    return deleted;
  }

  /** One transaction: the oldest matching traces worth at most `SPANS_PER_BATCH` spans, and side rows older than `cutoff`. */
  private async step(
    client: PoolClient,
    where: string,
    params: unknown[],
    limit: number,
    cutoff: number | null,
  ): Promise<{ traces: number; progress: boolean }> {
    const { rows } = await client.query<{ id: string; stored: number }>(
      `SELECT trace_id AS id, stored_spans AS stored FROM traces ${where} ORDER BY start_ms, trace_id LIMIT $${params.length + 1}`,
      [...params, limit],
    );
    const ids: string[] = [];
    let spans = 0;
    for (const trace of rows) {
      if (ids.length > 0 && spans + trace.stored > SPANS_PER_BATCH) break;
      ids.push(trace.id);
      spans += trace.stored;
    }
    let changes = 0;
    await client.query('BEGIN');
    try {
      if (ids.length > 0) {
        changes += (await client.query('DELETE FROM spans WHERE trace_id = ANY($1::text[])', [ids])).rowCount ?? 0;
        changes += (await client.query('DELETE FROM traces WHERE trace_id = ANY($1::text[])', [ids])).rowCount ?? 0;
      }
      if (cutoff !== null) {
        changes += (
          await client.query('DELETE FROM cost_calls WHERE id IN (SELECT id FROM cost_calls WHERE at_ms < $1 ORDER BY at_ms LIMIT $2)', [
            cutoff,
            SPANS_PER_BATCH,
          ])
        ).rowCount ?? 0;
        changes += (
          await client.query(
            'DELETE FROM latency_rollup WHERE bucket_ms = (SELECT MIN(bucket_ms) FROM latency_rollup) AND bucket_ms + $1 <= $2',
            [LATENCY_INTERVAL_MS, cutoff],
          )
        ).rowCount ?? 0;
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return { traces: ids.length, progress: changes > 0 };
  }
}
