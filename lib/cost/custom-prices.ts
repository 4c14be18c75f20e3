import { readFileSync } from 'node:fs';
import { TracingConfigError } from '../config/tracing-config.error.js';
import type { ModelPrice } from '../config/tracing-options.interface.js';
import { invalidPriceEntry, malformedPricingFile, show, unreadablePricingFile } from '../tracing.messages.js';
import { providerId } from './model-names.js';
import type { Rates } from './price-rates.js';

/** A validated user price: provider id, exact name (lower-cased) or RegExp, and its rates. */
export interface CustomPrice {
  providerId: string;
  model: string | RegExp;
  rates: Rates;
}

const FIELDS = ['provider', 'model', 'input', 'output', 'cacheRead', 'cacheWrite', 'reasoning'] as const;
const PRICE_ALLOWED = 'a finite number >= 0 (USD per 1M tokens)';
const FILE_REGEX = /^\/(.*)\/([a-z]*)$/s;

/**
 * Validates `pricing.models` and loads `pricing.file`, options first (they win over the file), throwing a
 * `TracingConfigError` that names the first bad entry, its bad value and what is allowed.
 */
export function loadCustomPrices(pricing: { models: readonly ModelPrice[]; file: string | undefined }): CustomPrice[] {
  const prices = pricing.models.map((entry, i) => customPrice(entry, `pricing.models[${i}]`, false));
  if (pricing.file !== undefined) {
    const path = pricing.file;
    readPricingFile(path).forEach((entry, i) => prices.push(customPrice(entry, `pricing file ${path} entry [${i}]`, true)));
  }
  return prices;
}

/** The first user price for `provider` (a span provider name) and `model` (one candidate name). */
export function findCustomPrice(prices: readonly CustomPrice[], provider: string, model: string): CustomPrice | undefined {
  const id = providerId(provider);
  const lower = model.toLowerCase();
  return prices.find((p) => p.providerId === id && (typeof p.model === 'string' ? p.model === lower : p.model.test(model)));
}

function readPricingFile(path: string): unknown[] {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TracingConfigError(unreadablePricingFile(path, error instanceof Error ? error.message : String(error)));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new TracingConfigError(malformedPricingFile(path, error instanceof Error ? error.message : String(error)));
  }
  if (!Array.isArray(parsed)) throw new TracingConfigError(malformedPricingFile(path, `got ${show(parsed)}`));
  return parsed;
}

function customPrice(entry: unknown, where: string, fromFile: boolean): CustomPrice {
  const fail = (field: string, value: unknown, allowed: string): never => {
    throw new TracingConfigError(invalidPriceEntry(where, entry, field, value, allowed));
  };
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return fail('entry', entry, 'an object { provider, model, input, output, cacheRead?, cacheWrite?, reasoning? }');
  }
  const e = entry as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (!(FIELDS as readonly string[]).includes(key)) fail(key, e[key], `only the fields ${FIELDS.join(', ')}`);
  }
  if (typeof e.provider !== 'string' || e.provider.trim() === '') fail('provider', e.provider, 'a non-empty provider name such as "openai"');
  const price = (field: (typeof FIELDS)[number], fallback?: number): number => {
    const value = e[field];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return fail(field, value, PRICE_ALLOWED);
    return value;
  };
  const model = modelMatcher(e.model, fromFile, fail);
  const input = price('input');
  const output = price('output');
  return {
    providerId: providerId(e.provider as string),
    model,
    rates: {
      input,
      output,
      cacheRead: price('cacheRead', input),
      cacheWrite: price('cacheWrite', input),
      reasoning: price('reasoning', output),
      perRequest: 0,
    },
  };
}

function modelMatcher(model: unknown, fromFile: boolean, fail: (field: string, value: unknown, allowed: string) => never): string | RegExp {
  if (model instanceof RegExp && !fromFile) return stateless(model);
  const allowed = fromFile
    ? 'an exact model name or a "/pattern/flags" regular expression'
    : 'an exact model name (non-empty string) or a RegExp';
  if (typeof model !== 'string' || model.trim() === '') return fail('model', model, allowed);
  const literal = fromFile ? FILE_REGEX.exec(model) : null;
  if (!literal) {
    if (fromFile && model.startsWith('/')) return fail('model', model, allowed);
    return model.trim().toLowerCase();
  }
  try {
    return stateless(new RegExp(literal[1]!, literal[2]));
  } catch (error) {
    return fail('model', model, `${allowed} (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** `g`/`y` make `test()` remember `lastIndex` between calls; a price lookup must not. */
function stateless(re: RegExp): RegExp {
  return re.global || re.sticky ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re;
}
