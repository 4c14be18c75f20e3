import type { CostLedgerEntry } from '../../cost/cost.types.js';
import { reportOnce, safeExecute } from '../../core/safe-execute.js';
import { describeThrown } from '../../core/thrown-value.js';
import type { SqliteDatabase } from '../sqlite-driver.js';
import type { SpanRow } from '../span-row.js';
import type { TraceStoreConfig } from '../trace-store.js';
import { SpanWriter, type WriteResult } from './span-writer.js';
import { StoreRetention } from './store-retention.js';

const MB = 1024 * 1024;

/** What the writing side did so far. */
export interface WriterCounters {
  /** Spans written to the database. */
  written: number;
  /** Spans lost to a database error. */
  failed: number;
  /** Spans past their trace's `maxSpansPerTrace`: counted and summed on the trace row, not stored. */
  overCap: number;
  /** Cost rows written (one per provider call, sampled or not). */
  costRows: number;
  /** Cost rows dropped because the queue was full or lost to a database error. */
  costDropped: number;
}

/** Writing-side tuning. */
export interface StoreWriteTuning {
  /** How often retention runs besides the checks after each write, in ms. @default 600000 (10 minutes) */
  pruneIntervalMillis?: number;
}

/**
 * Everything that writes to the store file, on one connection: span and cost rows in transactions of at most 5%
 * of the size cap, with retention making room before a write and checking its bounds after, and on a timer.
 * Runs in the store's writer thread (or on the app's thread for `:memory:`); never throws.
 */
export class StoreWriteCore {
  readonly counters: WriterCounters = { written: 0, failed: 0, overCap: 0, costRows: 0, costDropped: 0 };
  /** The last database error that lost rows, and when (epoch ms). */
  lastFailure: { message: string; at: number } | undefined;
  private readonly writer: SpanWriter;
  private readonly retention: StoreRetention;
  private readonly maxBatchChars: number;
  private readonly timer: NodeJS.Timeout;
  private open = true;

  constructor(db: SqliteDatabase, config: TraceStoreConfig, tuning: StoreWriteTuning = {}) {
    this.writer = new SpanWriter(db, config.maxSpansPerTrace);
    this.retention = new StoreRetention(db, config, () => this.open);
    this.maxBatchChars = Math.max(64 * 1024, config.maxSizeMb * MB * 0.05);
    void this.retention.prune();
    this.timer = setInterval(() => void this.retention.prune(), tuning.pruneIntervalMillis ?? 600_000);
    this.timer.unref();
  }

  /** Writes `rows` and `costs` (costs with the first chunk of rows). */
  write(rows: readonly SpanRow[], costs: readonly CostLedgerEntry[]): void {
    let pendingCosts = costs;
    for (const chunk of chunksOf(rows, this.maxBatchChars)) {
      this.writeChunk(chunk.rows, chunk.chars, pendingCosts);
      pendingCosts = [];
    }
    if (pendingCosts.length > 0) this.writeChunk([], 0, pendingCosts);
  }

  /** Runs retention now; resolves with the number of traces deleted. */
  prune(now?: number): Promise<number> {
    return this.open ? this.retention.prune(now) : Promise.resolve(0);
  }

  /** Bytes of the database in use. */
  usedBytes(): number {
    return this.retention.usedBytes();
  }

  /** Stops retention; the connection is the caller's to close. */
  close(): void {
    this.open = false;
    clearInterval(this.timer);
  }

  private writeChunk(rows: readonly SpanRow[], chars: number, costs: readonly CostLedgerEntry[]): void {
    if (rows.length > 0) safeExecute('trace store retention check', () => this.retention.beforeWrite(rows.length, chars));
    let result: WriteResult;
    try {
      result = this.writer.write(rows, costs);
    } catch (error) {
      this.counters.failed += rows.length;
      this.counters.costDropped += costs.length;
      this.lastFailure = { message: describeThrown(error).message, at: Date.now() };
      reportOnce('trace store write', error);
      return;
    }
    this.counters.written += result.written;
    this.counters.overCap += result.overCap;
    this.counters.costRows += costs.length;
    safeExecute('trace store retention check', () => this.retention.afterWrite(result.newTraces));
  }
}

/** Consecutive rows in chunks of at most `maxChars` characters of attributes and events (at least one row each). */
function chunksOf(rows: readonly SpanRow[], maxChars: number): Array<{ rows: SpanRow[]; chars: number }> {
  const chunks: Array<{ rows: SpanRow[]; chars: number }> = [];
  let current: { rows: SpanRow[]; chars: number } = { rows: [], chars: 0 };
  for (const row of rows) {
    const chars = row.attributes.length + (row.events?.length ?? 0);
    if (current.rows.length > 0 && current.chars + chars > maxChars) {
      chunks.push(current);
      current = { rows: [], chars: 0 };
    }
    current.rows.push(row);
    current.chars += chars;
  }
  if (current.rows.length > 0) chunks.push(current);
  return chunks;
}
