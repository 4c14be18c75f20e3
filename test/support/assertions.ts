import assert from 'node:assert/strict';

/** Asserts `actual` is a number within `tolerance` of `expected` (USD sums, rates: floating point). */
export function near(actual: unknown, expected: number, tolerance = 1e-12, what = ''): void {
  const label = what ? `${what}: ` : '';
  assert.equal(typeof actual, 'number', `${label}expected a number, got ${String(actual)}`);
  assert.ok(Math.abs((actual as number) - expected) <= tolerance, `${label}${String(actual)} is not ${expected} (±${tolerance})`);
}

/** An OpenTelemetry `HrTime` in milliseconds. */
export function hrMillis([seconds, nanos]: readonly [number, number]): number {
  return seconds * 1e3 + nanos / 1e6;
}
