import type { CostLedgerEntry } from '../../cost/cost.types.js';
import { reportOnce } from '../../core/safe-execute.js';
import { describeThrown } from '../../core/thrown-value.js';
import type { SpanRow } from '../span-row.js';
import type { TraceStoreConfig } from '../trace-store.js';
import type { WriterCounters } from '../write/store-write.core.js';
import type { StoreWriter } from '../write/store-writer.js';
import type { PostgresConnection } from './postgres.connection.js';
import { PostgresRetention } from './postgres-retention.js';
import { writePostgresBatch } from './postgres-span.writer.js';

interface Batch {
  rows: SpanRow[];
  costs: CostLedgerEntry[];
}

/**
 * Writes the store's batches to PostgreSQL, one transaction at a time, off the request path (the processor only
 * hands batches over). Batches wait here while the database is unreachable and are retried when the connection
 * is back (`PostgresConnection` reconnects with backoff); they count against the processor's queue bound, so
 * while it is down new spans are dropped and counted, and memory stays bounded. A batch the database refuses for
 * another reason (bad data) is counted as failed and not retried.
 */
export class PostgresStoreWriter implements StoreWriter {
  readonly pending = { spans: 0, costs: 0 };
  private readonly batches: Batch[] = [];
  private readonly counted: WriterCounters = { written: 0, failed: 0, overCap: 0, costRows: 0, costDropped: 0 };
  private failure: { message: string; at: number } | undefined;
  private pumping: Promise<void> | undefined;
  private readonly retention: PostgresRetention;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly connection: PostgresConnection,
    private readonly config: TraceStoreConfig,
    tuning: { pruneIntervalMillis?: number } = {},
  ) {
    this.retention = new PostgresRetention(connection, config);
    this.timer = setInterval(() => void this.retention.prune(), tuning.pruneIntervalMillis ?? 600_000);
    this.timer.unref();
    void connection.ready.then(() => this.retention.prune());
  }

  write(rows: SpanRow[], costs: CostLedgerEntry[]): void {
    if (this.closed || (rows.length === 0 && costs.length === 0)) return;
    this.batches.push({ rows, costs });
    this.pending.spans += rows.length;
    this.pending.costs += costs.length;
    this.pump();
  }

  /**
   * Resolves once every batch handed over is written or failed, or at once while the database is unreachable
   * (the batches then wait for it, and a shutdown never hangs on a database that is down).
   */
  async flush(): Promise<void> {
    while (this.pumping && this.connection.available) {
      let unsubscribe: () => void = () => undefined;
      const lost = new Promise<void>((resolve) => (unsubscribe = this.connection.onLost(resolve)));
      await Promise.race([this.pumping, lost]);
      unsubscribe();
    }
  }

  prune(now?: number): Promise<number> {
    return this.retention.prune(now);
  }

  counters(): WriterCounters {
    return { ...this.counted };
  }

  lastFailure(): { message: string; at: number } | undefined {
    return this.failure ?? this.connection.lastFailure;
  }

  /** Whether the database answers (false from a lost connection until one succeeds again). */
  available(): boolean {
    return this.connection.available;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    // Writes what it can; batches still waiting for an unreachable database are counted as failed.
    this.connection.giveUpWaiting();
    while (this.pumping) await this.pumping;
    this.closed = true;
    await this.retention.stop();
  }

  private pump(): void {
    this.pumping ??= this.drain().finally(() => {
      this.pumping = undefined;
      if (this.batches.length > 0 && !this.closed) this.pump();
    });
  }

  private async drain(): Promise<void> {
    while (this.batches.length > 0) {
      const batch = this.batches[0]!;
      const outcome = await this.connection.withClient((client) => writePostgresBatch(client, batch.rows, batch.costs, this.config.maxSpansPerTrace));
      this.batches.shift();
      this.pending.spans -= batch.rows.length;
      this.pending.costs -= batch.costs.length;
      if (outcome.ok) {
        this.counted.written += outcome.value.written;
        this.counted.overCap += outcome.value.overCap;
        this.counted.costRows += batch.costs.length;
        this.retention.afterWrite(outcome.value.newTraces);
      } else {
        this.counted.failed += batch.rows.length;
        this.counted.costDropped += batch.costs.length;
        this.failure = { message: describeThrown(outcome.error).message, at: Date.now() };
        reportOnce('trace store write', outcome.error);
      }
    }
  }
}

