import { reportOnce } from '../../core/safe-execute.js';
import { LATENCY_INTERVAL_MS } from '../latency-rollup.js';
import type { SqliteDatabase, SqliteStatement } from '../sqlite-driver.js';
import type { TraceStoreConfig } from '../trace-store.js';
import { SerialRuns } from '../serial-runs.js';

const DAY_MS = 86_400_000;
const MB = 1024 * 1024;
/** Traces looked at per batch. */
const TRACES_PER_BATCH = 500;
/** Spans (and cost rows) deleted per transaction at most, so the write lock is never held for long. */
export const SPANS_PER_BATCH = 5000;
/** Past this share of `maxSizeMb` the oldest traces go, in the background... */
const SIZE_HIGH_WATER = 0.8;
/** ...until the database is back under this share: room for the writes before the next check. */
const SIZE_LOW_WATER = 0.7;
/** A write that would take the database past this share makes room first, whatever the background run is at. */
const SIZE_HARD_LIMIT = 0.95;
/** Bytes on disk per span besides its JSON: other columns, index entries, the trace row, histograms, page slack. */
const BYTES_PER_SPAN = 512;
/** Deletion steps one write may wait for at most (each is a bounded batch). */
const MAX_SYNC_STEPS = 20;
/** Age is checked after writes at most this often (the oldest trace does not get older faster). */
const AGE_CHECK_MS = 60_000;

/** Why traces are being deleted. */
type Pressure = { reason: 'age'; cutoff: number } | { reason: 'count'; over: number } | { reason: 'size'; excessBytes: number };

/**
 * Keeps the store within its three bounds: age (`retentionDays`), trace count (`maxTraces`) and size
 * (`maxSizeMb`), oldest traces first. Work is done in batches of at most `SPANS_PER_BATCH` spans per
 * transaction, one batch per turn of the event loop, so pruning a large store never stalls the app. Size is
 * brought back to 70% of the cap once past 80%; a write that would still cross 95% (writes outrunning the
 * background run) first deletes what it needs, in the same bounded steps.
 *
 * Checks are cheap enough to run after every write: the trace count is kept in memory (counted at open, then
 * followed through writes and deletes, and recounted on the periodic run), the size is two pragmas reading the
 * file header, and age is one index lookup at most once a minute.
 */
export class StoreRetention {
  private traceCount: number;
  private readonly runs = new SerialRuns();
  private lastAgeCheck = 0;
  private readonly statements = new Map<string, SqliteStatement>();
  private readonly deleteBatch: (ids: string[], sideCutoff: number | null, sideOldest: boolean) => number;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly config: TraceStoreConfig,
    private readonly isOpen: () => boolean,
  ) {
    this.traceCount = this.countTraces();
    // Traces with their spans, then the rows kept beside them by time (cost rows, latency histograms): those
    // older than `sideCutoff`, or (`sideOldest`, when no trace is left to delete) the oldest ones.
    this.deleteBatch = db.transaction((ids: string[], sideCutoff: number | null, sideOldest: boolean): number => {
      let changes = 0;
      if (ids.length > 0) {
        const json = JSON.stringify(ids);
        changes += this.statement('DELETE FROM spans WHERE trace_id IN (SELECT value FROM json_each(?))').run(json).changes;
        changes += this.statement('DELETE FROM traces WHERE trace_id IN (SELECT value FROM json_each(?))').run(json).changes;
      }
      if (sideCutoff === null && !sideOldest) return changes;
      const cutoff = sideCutoff ?? Infinity;
      changes += this.statement(
        'DELETE FROM cost_calls WHERE rowid IN (SELECT rowid FROM cost_calls WHERE at_ms < ? ORDER BY at_ms LIMIT ?)',
      ).run(cutoff, SPANS_PER_BATCH).changes;
      // One 5-minute interval of histograms at a time: a few rows per group and duration bin.
      changes += this.statement(
        'DELETE FROM latency_rollup WHERE bucket_ms = (SELECT MIN(bucket_ms) FROM latency_rollup) AND bucket_ms + ? <= ?',
      ).run(LATENCY_INTERVAL_MS, cutoff).changes;
      return changes;
    });
  }

  /** Bytes of the database in use (pages holding data; freed pages are reused before the file grows). */
  usedBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    const size = this.db.pragma('page_size', { simple: true }) as number;
    return (pages - free) * size;
  }

  /**
   * Before writing `spans` spans holding `chars` characters of JSON: when the write could take the database past
   * `maxSizeMb`, deletes the oldest traces now, in bounded steps, until it fits under the low-water mark. The
   * background run normally keeps well ahead of this; it is the backstop that keeps the bound when writes
   * outrun it.
   */
  beforeWrite(spans: number, chars: number): void {
    const cap = this.config.maxSizeMb * MB;
    if (!(cap > 0)) return;
    const incoming = chars + spans * BYTES_PER_SPAN;
    for (let steps = 0; steps < MAX_SYNC_STEPS; steps++) {
      const used = this.usedBytes();
      if (used + incoming <= cap * SIZE_HARD_LIMIT) return;
      const step = this.step({ reason: 'size', excessBytes: used + incoming - cap * SIZE_LOW_WATER });
      if (!step.progress) return;
    }
  }

  /** After a write: follows the trace count and starts pruning when a bound is crossed. */
  afterWrite(newTraces: number, now = Date.now()): void {
    this.traceCount += newTraces;
    if (this.runs.busy) return;
    const checkAge = now - this.lastAgeCheck >= AGE_CHECK_MS;
    if (checkAge) this.lastAgeCheck = now;
    if (this.pressure(now, SIZE_HIGH_WATER, checkAge)) void this.prune(now);
  }

  /**
   * Deletes what is beyond the bounds, in batches, yielding to the event loop between them; resolves with the
   * number of traces deleted. A call while a run is going on runs again once it is done.
   */
  prune(now = Date.now()): Promise<number> {
    return this.runs.queue(() => this.run(now));
  }

  private async run(now: number): Promise<number> {
    let deleted = 0;
    try {
      this.traceCount = this.countTraces();
      let pressure = this.pressure(now, SIZE_HIGH_WATER, true);
      while (pressure && this.isOpen()) {
        const step = this.step(pressure);
        deleted += step.traces;
        if (!step.progress) break;
        await new Promise<void>((resolve) => setImmediate(resolve));
        // Size pressure, once on, lasts until the low-water mark: room for the writes before the next check.
        pressure = this.isOpen() ? this.pressure(now, pressure.reason === 'size' ? SIZE_LOW_WATER : SIZE_HIGH_WATER, true) : undefined;
      }
    } catch (error) {
      reportOnce('trace store retention', error);
    }
    return deleted;
  }

  /** The first bound crossed, if any: age, then count, then size. */
  private pressure(now: number, sizeShare: number, checkAge: boolean): Pressure | undefined {
    const { retentionDays, maxTraces, maxSizeMb } = this.config;
    if (checkAge && retentionDays > 0) {
      const cutoff = now - retentionDays * DAY_MS;
      const oldestTrace = this.statement('SELECT MIN(start_ms) FROM traces').pluck().get() as number | null;
      const oldestCost = this.statement('SELECT MIN(at_ms) FROM cost_calls').pluck().get() as number | null;
      const oldestLatency = this.statement('SELECT MIN(bucket_ms) FROM latency_rollup').pluck().get() as number | null;
      const due =
        (oldestTrace !== null && oldestTrace < cutoff) ||
        (oldestCost !== null && oldestCost < cutoff) ||
        // A histogram interval goes once all of it is older than the cutoff.
        (oldestLatency !== null && oldestLatency + LATENCY_INTERVAL_MS <= cutoff);
      if (due) return { reason: 'age', cutoff };
    }
    if (maxTraces > 0 && this.traceCount > maxTraces) return { reason: 'count', over: this.traceCount - maxTraces };
    if (maxSizeMb > 0) {
      const used = this.usedBytes();
      // Down to the low-water mark, whichever mark started the run.
      if (used > maxSizeMb * MB * sizeShare) return { reason: 'size', excessBytes: used - maxSizeMb * MB * SIZE_LOW_WATER };
    }
    return undefined;
  }

  /**
   * One batch: the oldest traces worth at most `SPANS_PER_BATCH` stored spans (at least one trace), and the cost
   * and latency rows of the same age.
   */
  private step(pressure: Pressure): { traces: number; progress: boolean } {
    const candidates =
      pressure.reason === 'age'
        ? this.oldest('WHERE start_ms < ?', [pressure.cutoff], TRACES_PER_BATCH)
        : this.oldest('', [], Math.min(TRACES_PER_BATCH, pressure.reason === 'count' ? pressure.over : this.tracesWorth(pressure.excessBytes)));
    const ids: string[] = [];
    let spans = 0;
    for (const trace of candidates) {
      if (ids.length > 0 && spans + trace.stored > SPANS_PER_BATCH) break;
      ids.push(trace.id);
      spans += trace.stored;
    }
    // By age, everything older than the cutoff. Under size pressure traces go first: cost rows and histograms
    // are a hundred bytes each, the history of the bill and of latency, and go only once no trace is left. The
    // trace count leaves them alone.
    const sideCutoff = pressure.reason === 'age' ? pressure.cutoff : null;
    const changes = this.deleteBatch(ids, sideCutoff, pressure.reason === 'size' && ids.length === 0);
    this.traceCount -= ids.length;
    return { traces: ids.length, progress: changes > 0 };
  }

  /** About how many traces hold `bytes` (at least one), from the average size of a trace. */
  private tracesWorth(bytes: number): number {
    const perTrace = this.traceCount > 0 ? this.usedBytes() / this.traceCount : bytes;
    return Math.max(1, Math.ceil(bytes / perTrace));
  }

  private oldest(where: string, params: unknown[], limit: number): Array<{ id: string; stored: number }> {
    return this.statement(`SELECT trace_id AS id, stored_spans AS stored FROM traces ${where} ORDER BY start_ms, trace_id LIMIT ?`).all(
      ...params,
      limit,
    ) as Array<{ id: string; stored: number }>;
  }

  private countTraces(): number {
    return this.statement('SELECT COUNT(*) FROM traces').pluck().get() as number;
  }

  private statement(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
