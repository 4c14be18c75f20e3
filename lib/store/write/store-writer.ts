import type { CostLedgerEntry } from '../../cost/cost.types.js';
import type { SqliteDatabase } from '../sqlite-driver.js';
import type { SpanRow } from '../span-row.js';
import type { TraceStoreConfig } from '../trace-store.js';
import { StoreWriteCore, type StoreWriteTuning, type WriterCounters } from './store-write.core.js';

/** Where the store's processor hands its rows: the writer thread, or the app's thread for `:memory:`. */
export interface StoreWriter {
  /** Hands over rows to write; never throws, never waits. Outcomes show in `counters()`. */
  write(rows: SpanRow[], costs: CostLedgerEntry[]): void;
  /** Spans and cost rows handed over and not written yet. */
  readonly pending: { spans: number; costs: number };
  /** Resolves once everything handed over so far is written (or failed). */
  flush(): Promise<void>;
  /** Runs retention now; resolves with the number of traces deleted. */
  prune(now?: number): Promise<number>;
  counters(): WriterCounters;
  /** The last database error that lost rows, and when (epoch ms). */
  lastFailure(): { message: string; at: number } | undefined;
  /** Whether the database can be written now (a lost PostgreSQL connection makes it false); always true for SQLite. */
  available?(): boolean;
  /** Writes what is pending and stops; never rejects. */
  close(): Promise<void>;
}

/** Writes on the caller's thread, on the store's own connection (a `:memory:` store has no other). */
export class InThreadStoreWriter implements StoreWriter {
  readonly pending = { spans: 0, costs: 0 };
  private readonly core: StoreWriteCore;

  constructor(db: SqliteDatabase, config: TraceStoreConfig, tuning: StoreWriteTuning = {}) {
    this.core = new StoreWriteCore(db, config, tuning);
  }

  write(rows: SpanRow[], costs: CostLedgerEntry[]): void {
    this.core.write(rows, costs);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  prune(now?: number): Promise<number> {
    return this.core.prune(now);
  }

  counters(): WriterCounters {
    return { ...this.core.counters };
  }

  lastFailure(): { message: string; at: number } | undefined {
    return this.core.lastFailure;
  }

  close(): Promise<void> {
    this.core.close();
    return Promise.resolve();
  }
}
