import { hashText } from './text-generator.js';

/**
 * Prompt caching as the providers bill it: the first request with a given prefix writes it to the cache,
 * later ones read it. Remembers a bounded number of prefixes.
 */
export class PromptCache {
  private readonly seen = new Set<number>();

  constructor(private readonly capacity = 1000) {}

  /** True when `prefix` was cached by an earlier request; caches it otherwise. */
  hit(prefix: string): boolean {
    const key = hashText(prefix);
    if (this.seen.has(key)) return true;
    if (this.seen.size >= this.capacity) this.seen.clear();
    this.seen.add(key);
    return false;
  }
}
