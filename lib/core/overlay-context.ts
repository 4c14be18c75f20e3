import type { Context } from '@opentelemetry/api';

/**
 * `parent` plus two values, in one small object. The API's own context copies its whole value map on every
 * `setValue`, and a traced call sets two values (its span, its library scope): building both at once saves one
 * map copy per span (about 200 ns, a third of a decorated call's cost over a hand-written span).
 *
 * Values set later on it (by anyone) go into the parent, below the overlay, so a chain of overlays is never
 * deeper than the nesting of traced calls, however many values are set on it.
 */
export class OverlayContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly key1: symbol,
    private readonly value1: unknown,
    private readonly key2: symbol,
    private readonly value2: unknown,
  ) {}

  getValue(key: symbol): unknown {
    if (key === this.key1) return this.value1;
    if (key === this.key2) return this.value2;
    return this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    if (key === this.key1) return new OverlayContext(this.parent, key, value, this.key2, this.value2);
    if (key === this.key2) return new OverlayContext(this.parent, this.key1, this.value1, key, value);
    return new OverlayContext(this.parent.setValue(key, value), this.key1, this.value1, this.key2, this.value2);
  }

  deleteValue(key: symbol): Context {
    if (key === this.key1 || key === this.key2) return this.setValue(key, undefined);
    return new OverlayContext(this.parent.deleteValue(key), this.key1, this.value1, this.key2, this.value2);
  }
}
