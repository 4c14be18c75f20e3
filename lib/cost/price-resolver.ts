import { BUNDLED_SOURCE, findBundledModel, isBundledProvider } from './bundled-prices.js';
import { findCustomPrice, type CustomPrice } from './custom-prices.js';
import { modelCandidates, providerId } from './model-names.js';
import type { Rates } from './price-rates.js';

/** A price found for a provider/model: where it came from and its rates at a given time. */
export interface PriceLookup {
  /** `custom` or `genai-prices@<version>`. */
  source: string;
  ratesAt(at: Date | undefined): Rates | undefined;
}

/** Distinct provider/model pairs remembered; a flood of distinct names resets the cache instead of growing it. */
const MAX_CACHED = 10_000;

/**
 * Finds the price of a provider/model, user entries first (for every spelling of the name), then the bundled
 * data. Results, misses included, are cached per provider/model so a warm lookup is one Map read.
 */
export class PriceResolver {
  /** Per provider, per model: no key string is built on a warm lookup. */
  private readonly cache = new Map<string, Map<string, PriceLookup | null>>();
  private cached = 0;

  constructor(
    private readonly custom: readonly CustomPrice[],
    private readonly deployments: Readonly<Record<string, { provider: string; model: string }>>,
    private readonly bundled: boolean,
  ) {}

  resolve(provider: string, model: string): PriceLookup | undefined {
    let models = this.cache.get(provider);
    let lookup = models?.get(model);
    if (lookup === undefined) {
      lookup = this.lookup(provider, model) ?? null;
      if (this.cached >= MAX_CACHED) {
        this.cache.clear();
        this.cached = 0;
        models = undefined;
      }
      if (!models) this.cache.set(provider, (models = new Map()));
      models.set(model, lookup);
      this.cached++;
    }
    return lookup ?? undefined;
  }

  private lookup(provider: string, model: string): PriceLookup | undefined {
    const alias = this.alias(model);
    if (alias) {
      provider = alias.provider;
      model = alias.model;
    }
    const { names, prefixProvider } = modelCandidates(model);
    const providers = prefixProvider === undefined ? [provider] : [provider, prefixProvider];
    for (const p of providers) {
      for (const name of names) {
        const custom = findCustomPrice(this.custom, p, name);
        if (custom) return { source: 'custom', ratesAt: () => custom.rates };
      }
    }
    if (!this.bundled) return undefined;
    for (const p of providers) {
      const id = providerId(p);
      const known = isBundledProvider(id);
      for (const name of names) {
        const found = findBundledModel(known ? id : undefined, name);
        if (found) return { source: BUNDLED_SOURCE, ratesAt: found.ratesAt };
      }
    }
    return undefined;
  }

  /** `pricing.deployments` entry for the model as given or without its `models/`/`provider/` prefix. */
  private alias(model: string): { provider: string; model: string } | undefined {
    if (Object.hasOwn(this.deployments, model)) return this.deployments[model];
    for (const name of modelCandidates(model).names) {
      if (Object.hasOwn(this.deployments, name)) return this.deployments[name];
    }
    return undefined;
  }
}
