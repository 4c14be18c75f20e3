/** True when `value` equals one of the strings or matches one of the RegExps of `patterns`. */
export function matchesAny(value: string, patterns: ReadonlyArray<string | RegExp>): boolean {
  for (const pattern of patterns) {
    if (typeof pattern === 'string') {
      if (pattern === value) return true;
      continue;
    }
    // A /g or /y RegExp keeps its position between calls; without the reset every second test would miss.
    pattern.lastIndex = 0;
    if (pattern.test(value)) return true;
  }
  return false;
}
