import type { AttributeValue, Span } from '@opentelemetry/api';

/**
 * Attributes gathered as key/value pairs and set on a span in one pass. Used for what conventions write at the
 * end of a span: a provider call ends with twenty-odd attributes, and an object grown key by key that large turns
 * into a slow dictionary (measured at four times the cost of a flat list), only to be copied into the span.
 */
export class AttributeBatch {
  private readonly pairs: Array<string | AttributeValue> = [];

  set(key: string, value: AttributeValue): void {
    this.pairs.push(key, value);
  }

  /** Sets every pair on `span`, in order (a later value of a key wins, as with `setAttributes`). */
  applyTo(span: Span): void {
    const pairs = this.pairs;
    for (let i = 0; i < pairs.length; i += 2) span.setAttribute(pairs[i] as string, pairs[i + 1] as AttributeValue);
  }

  /** The pairs as an object (tests and callers that need `Attributes`). */
  toAttributes(): Record<string, AttributeValue> {
    const out: Record<string, AttributeValue> = {};
    for (let i = 0; i < this.pairs.length; i += 2) out[this.pairs[i] as string] = this.pairs[i + 1] as AttributeValue;
    return out;
  }
}
