/** Middle value (mean of the two middle ones for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median absolute deviation relative to the median, as a spread figure (0.03 = ±3 %). */
export function relativeSpread(values: readonly number[]): number {
  const m = median(values);
  if (!Number.isFinite(m) || m === 0) return Number.NaN;
  return median(values.map((v) => Math.abs(v - m))) / Math.abs(m);
}

/** Rounds to `digits` significant decimals for JSON output (keeps results readable). */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Rotates `items` left by `by`: round r of an interleaved run starts with a different contender. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const n = items.length;
  if (n === 0) return [];
  const k = ((by % n) + n) % n;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** Yields to the event loop (timers, I/O, the batch span processor's export) between measured batches. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Value at quantile `q` (0..1) of `values`, linear between neighbours; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * A paired comparison of two contenders measured in the same rounds: the median of the per-round ratios
 * `a[i] / b[i]`, their spread (median absolute deviation of the ratios, as a fraction of 1) and a verdict.
 * The difference counts as outside the spread when the band median ± 2 MAD of the per-round ratios excludes
 * `reference` (1 by default, "a equals b"). 2 MAD is about 1.35 standard deviations of one round's ratio, far
 * wider than the uncertainty of the median of 9+ rounds: the verdict errs towards "within spread".
 */
export interface PairedRatio {
  ratio: number;
  /** MAD of the per-round ratios (absolute, in ratio units). */
  mad: number;
  /** `below`/`above`: the band lies wholly below/above `reference`; `within`: it straddles it. */
  verdict: 'below' | 'above' | 'within';
  rounds: number;
}

export function pairedRatio(a: readonly number[], b: readonly number[], reference = 1): PairedRatio {
  const ratios = a.map((v, i) => v / b[i]!).filter((r) => Number.isFinite(r));
  const ratio = median(ratios);
  const mad = median(ratios.map((r) => Math.abs(r - ratio)));
  const verdict = ratio + 2 * mad < reference ? 'below' : ratio - 2 * mad > reference ? 'above' : 'within';
  return { ratio: round(ratio, 3), mad: round(mad, 3), verdict, rounds: ratios.length };
}

/** `1.23 ±0.04` for a table cell. */
export function withSpread(value: number, spread: number, digits = 2): string {
  if (!Number.isFinite(value)) return 'n/a';
  return `${value.toFixed(digits)} ±${Number.isFinite(spread) ? spread.toFixed(digits) : '?'}`;
}
