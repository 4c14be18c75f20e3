import { invalidCostQuery } from '../tracing.messages.js';
import type { CostCallRecord, CostGroupBy, CostReportQuery, CostReportRow, NonTokenCostRecord } from './cost.types.js';

const HOUR_MS = 3_600_000;
const DIMENSIONS: readonly CostGroupBy[] = ['user', 'tenant', 'workflow', 'provider', 'model', 'kind'];
/** `kind` of provider calls' token cost in reports. */
export const TOKENS_KIND = 'tokens';

/** Bounds of the in-memory cost report. */
export interface CostReportLimits {
  /** Distinct user/tenant/workflow/provider/model combinations kept; later ones go to the `other` row. */
  maxKeys: number;
  /** Hours of history kept (hourly buckets). */
  retentionHours: number;
}

/** Defaults: 1,000 combinations (user/tenant/workflow/provider/model/kind) over 7 days, i.e. at most ~170k small counters in the worst case. */
export const DEFAULT_REPORT_LIMITS: CostReportLimits = { maxKeys: 1000, retentionHours: 24 * 7 };

interface Totals {
  totalUsd: number;
  nonTokenUsd: number;
  inputTokens: number;
  outputTokens: number;
  calls: number;
  unpricedCalls: number;
}

interface KeyEntry {
  parts: ReadonlyArray<Part>;
  lastBucket: number;
}

/** A dimension's value in a combination: null when unset or empty. */
type Part = string | null;

/** One level of the combinations' tree: a dimension's value to the next level, or (the last level) the entry. */
type KeyLevel = Map<Part, KeyLevel | KeyEntry>;

/** The next level under `part`, if any. */
function below(level: KeyLevel | undefined, part: Part): KeyLevel | undefined {
  return level?.get(part) as KeyLevel | undefined;
}

const OTHER: KeyEntry = { parts: [], lastBucket: Number.POSITIVE_INFINITY };

/**
 * Running cost totals per user/tenant/workflow/provider/model/kind in hourly buckets, with bounded memory: at most
 * `maxKeys` distinct combinations (the rest are summed into one `other` entry) and `retentionHours` buckets.
 * A combination is forgotten once its last bucket leaves the window, which frees its slot.
 */
export class CostReportStore {
  /**
   * Combinations by user, then tenant, workflow, provider, model and kind: nested maps, so a warm lookup builds no
   * key string (hashing a fresh six-part string cost four times as much).
   */
  private readonly keys: KeyLevel = new Map();
  /** Every combination held in `keys`, for forgetting the stale ones. */
  private readonly entries = new Set<KeyEntry>();
  private readonly buckets = new Map<number, Map<KeyEntry, Totals>>();
  private newest = Number.NEGATIVE_INFINITY;

  constructor(private readonly limits: CostReportLimits = DEFAULT_REPORT_LIMITS) {}

  add(call: CostCallRecord): void {
    const t = this.totals(call.at, call.userId, call.tenantId, call.workflow, call.provider, call.model, TOKENS_KIND);
    if (!t) return;
    t.calls += 1;
    t.inputTokens += call.inputTokens;
    t.outputTokens += call.outputTokens;
    if (call.costUsd === undefined) t.unpricedCalls += 1;
    else t.totalUsd += call.costUsd;
  }

  /** A cost that is not tokens: counted in `totalUsd` and `nonTokenUsd`, not as a call. */
  addCost(record: NonTokenCostRecord): void {
    const t = this.totals(record.at, record.userId, record.tenantId, record.workflow, record.provider, record.model, record.kind);
    if (!t) return;
    t.totalUsd += record.usd;
    t.nonTokenUsd += record.usd;
  }

  /**
   * The running totals of one combination in the hour of `at`; undefined when `at` is past the window. (The
   * dimensions come as arguments, not an array: this runs for every provider call.)
   */
  private totals(
    at: Date | undefined,
    user: string | undefined,
    tenant: string | undefined,
    workflow: string | undefined,
    provider: string | undefined,
    model: string | undefined,
    kind: string | undefined,
  ): Totals | undefined {
    const bucket = Math.floor((at?.getTime() ?? Date.now()) / HOUR_MS);
    if (bucket > this.newest) this.advance(bucket);
    if (bucket <= this.newest - this.limits.retentionHours) return undefined;
    const entry = this.entry(partValue(user), partValue(tenant), partValue(workflow), partValue(provider), partValue(model), partValue(kind), bucket);
    if (bucket > entry.lastBucket) entry.lastBucket = bucket;
    let cells = this.buckets.get(bucket);
    if (!cells) this.buckets.set(bucket, (cells = new Map()));
    let t = cells.get(entry);
    if (!t) cells.set(entry, (t = { totalUsd: 0, nonTokenUsd: 0, inputTokens: 0, outputTokens: 0, calls: 0, unpricedCalls: 0 }));
    return t;
  }

  report(query: CostReportQuery): CostReportRow[] {
    const groupBy = validGroupBy(query);
    const since = query.since === undefined ? Number.NEGATIVE_INFINITY : validSince(query.since);
    const indexes = groupBy.map((d) => DIMENSIONS.indexOf(d));
    const rows = new Map<string, CostReportRow>();
    for (const [bucket, cells] of this.buckets) {
      if ((bucket + 1) * HOUR_MS <= since) continue;
      for (const [entry, t] of cells) {
        const other = entry === OTHER;
        const values = indexes.map((i) => (other ? null : (entry.parts[i] ?? null)));
        const id = other ? '\u0002other' : values.map((v) => v ?? '\u0001').join('\u0000');
        let row = rows.get(id);
        if (!row) {
          const key: CostReportRow['key'] = {};
          groupBy.forEach((d, i) => (key[d] = values[i] ?? null));
          rows.set(id, (row = { key, other, totalUsd: 0, nonTokenUsd: 0, inputTokens: 0, outputTokens: 0, calls: 0, unpricedCalls: 0 }));
        }
        row.totalUsd += t.totalUsd;
        row.nonTokenUsd += t.nonTokenUsd;
        row.inputTokens += t.inputTokens;
        row.outputTokens += t.outputTokens;
        row.calls += t.calls;
        row.unpricedCalls += t.unpricedCalls;
      }
    }
    return [...rows.values()].sort((a, b) => Number(a.other) - Number(b.other) || b.totalUsd - a.totalUsd || b.calls - a.calls);
  }

  /** The combination's entry: found, else added (OTHER once `maxKeys` combinations are held). */
  private entry(user: Part, tenant: Part, workflow: Part, provider: Part, model: Part, kind: Part, bucket: number): KeyEntry {
    const found = below(below(below(below(below(this.keys, user), tenant), workflow), provider), model)?.get(kind);
    if (found) return found as KeyEntry;
    if (this.entries.size >= this.limits.maxKeys) return OTHER;
    const entry: KeyEntry = { parts: [user, tenant, workflow, provider, model, kind], lastBucket: bucket };
    let level = this.keys;
    for (let i = 0; i < entry.parts.length - 1; i++) {
      const part = entry.parts[i]!;
      let next = below(level, part);
      if (!next) level.set(part, (next = new Map()));
      level = next;
    }
    level.set(kind, entry);
    this.entries.add(entry);
    return entry;
  }

  /** Removes a combination, and the levels it leaves empty. */
  private forget(entry: KeyEntry): void {
    this.entries.delete(entry);
    const path: KeyLevel[] = [this.keys];
    for (let i = 0; i < entry.parts.length - 1; i++) {
      const next = below(path[i], entry.parts[i]!);
      if (!next) return;
      path.push(next);
    }
    // From the leaf up, while a level is left empty.
    for (let i = path.length - 1; i >= 0; i--) {
      path[i]!.delete(entry.parts[i]!);
      if (path[i]!.size > 0) return;
    }
  }

  /** A newer hour started: drop buckets that left the window and the combinations seen only in them. */
  private advance(bucket: number): void {
    this.newest = bucket;
    const oldest = bucket - this.limits.retentionHours + 1;
    for (const b of this.buckets.keys()) if (b < oldest) this.buckets.delete(b);
    for (const entry of this.entries) if (entry.lastBucket < oldest) this.forget(entry);
  }
}

function validGroupBy(query: CostReportQuery): CostGroupBy[] {
  const groupBy: unknown = query?.groupBy;
  const allowed = `an array of ${DIMENSIONS.map((d) => `'${d}'`).join(', ')}`;
  if (!Array.isArray(groupBy)) throw new TypeError(invalidCostQuery('report', 'groupBy', groupBy, allowed));
  for (const d of groupBy) {
    if (!DIMENSIONS.includes(d as CostGroupBy)) throw new TypeError(invalidCostQuery('report', 'groupBy', d, allowed));
  }
  return [...new Set(groupBy as CostGroupBy[])];
}

function validSince(since: unknown): number {
  const ms = since instanceof Date ? since.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new TypeError(invalidCostQuery('report', 'since', since, 'a valid Date'));
  return ms;
}

/** A dimension's value in a combination: unset, null and empty are all `null`; a non-string (from JavaScript callers) is its string. */
function partValue(part: string | undefined): Part {
  if (part === undefined || part === null || part === '') return null;
  return typeof part === 'string' ? part : String(part);
}
