import { calcPrice, findProvider, type ConditionalPrice, type ModelInfo, type ModelPrice as SourcePrice } from '@pydantic/genai-prices';
import type { Rate, Rates } from './price-rates.js';

/** Version of the bundled price data; pinned exactly in package.json (a test checks they agree). */
export const GENAI_PRICES_VERSION = '0.1.8';
/** `cost.source` of prices from the bundled data. */
export const BUNDLED_SOURCE = `genai-prices@${GENAI_PRICES_VERSION}`;

/** A model found in the bundled data, with its rates at a given time. */
export interface BundledModel {
  providerId: string;
  modelId: string;
  ratesAt(at: Date | undefined): Rates | undefined;
}

/** Whether the bundled data knows the provider id (else models are matched across all providers). */
export function isBundledProvider(id: string): boolean {
  return findProvider({ providerId: id }) !== undefined;
}

/**
 * Looks a model up in the bundled data (offline; `updatePrices` is never called, so there is no network
 * access). The data matches dated snapshot names and falls back across providers (Azure -> OpenAI, Vertex ->
 * Anthropic) itself. `providerId` undefined matches the model against every provider's model patterns.
 */
export function findBundledModel(providerId: string | undefined, model: string): BundledModel | undefined {
  let found: { provider: { id: string }; model: ModelInfo } | null;
  try {
    found = calcPrice({}, model, providerId === undefined ? undefined : { providerId });
  } catch {
    return undefined;
  }
  if (!found) return undefined;
  const info = found.model;
  const prices = info.prices;
  let ratesAt: BundledModel['ratesAt'];
  if (Array.isArray(prices)) {
    ratesAt = (at) => compiled(select(prices as ConditionalPrice[], at ?? new Date()));
  } else {
    const fixed = compile(prices);
    ratesAt = () => fixed;
  }
  return { providerId: found.provider.id, modelId: info.id, ratesAt };
}

const COMPILED = new WeakMap<SourcePrice, Rates | null>();

function compiled(price: SourcePrice | undefined): Rates | undefined {
  if (!price) return undefined;
  let rates = COMPILED.get(price);
  if (rates === undefined) {
    rates = compile(price) ?? null;
    COMPILED.set(price, rates);
  }
  return rates ?? undefined;
}

/**
 * The token rates of a bundled price, audio and image token rates included where the data has them. Keys for
 * units a `TokenUsage` never reports (web searches, per-hour audio...) are left out: the price source prices
 * their absent usage at 0 too. A model with neither an input nor an output token price is not a token-priced
 * model: undefined, so the call stays unpriced.
 */
function compile(price: SourcePrice): Rates | undefined {
  const input = rate(price.input_mtok);
  const output = rate(price.output_mtok);
  if (input === undefined && output === undefined) return undefined;
  const requests = price.requests_kcount;
  const rates: Rates = {
    input: input ?? 0,
    output: output ?? 0,
    cacheRead: rate(price.cache_read_mtok) ?? input ?? 0,
    cacheWrite: rate(price.cache_write_mtok) ?? input ?? 0,
    reasoning: rate(price.output_reasoning_mtok) ?? output ?? 0,
    perRequest: typeof requests === 'number' && Number.isFinite(requests) && requests >= 0 ? requests / 1000 : 0,
  };
  const audioInput = rate(price.input_audio_mtok);
  const audioOutput = rate(price.output_audio_mtok);
  const imageInput = rate(price.input_image_mtok);
  const imageOutput = rate(price.output_image_mtok);
  if (audioInput !== undefined) rates.audioInput = audioInput;
  if (audioOutput !== undefined) rates.audioOutput = audioOutput;
  if (imageInput !== undefined) rates.imageInput = imageInput;
  if (imageOutput !== undefined) rates.imageOutput = imageOutput;
  return rates;
}

function rate(value: unknown): Rate | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const { base, tiers } = value as { base?: unknown; tiers?: unknown };
  if (typeof base !== 'number' || !Array.isArray(tiers)) return undefined;
  const parsed = tiers.filter(
    (t): t is { start: number; price: number } =>
      t !== null && typeof t === 'object' && typeof (t as { start?: unknown }).start === 'number' && typeof (t as { price?: unknown }).price === 'number',
  );
  return { base, tiers: parsed.map((t) => ({ start: t.start, price: t.price })).sort((a, b) => a.start - b.start) };
}

/** The price in force at `at`: the last entry whose constraint holds (start date reached, or inside a time-of-day window). */
function select(prices: readonly ConditionalPrice[], at: Date): SourcePrice | undefined {
  for (let i = prices.length - 1; i >= 0; i--) {
    const entry = prices[i]!;
    const c = entry.constraint as { start_date?: string; start_time?: string; end_time?: string } | undefined;
    if (!c) return entry.prices;
    if (c.start_date !== undefined) {
      if (at >= new Date(c.start_date)) return entry.prices;
    } else if (c.start_time !== undefined && c.end_time !== undefined) {
      const now = at.getUTCHours() * 3600 + at.getUTCMinutes() * 60 + at.getUTCSeconds() + at.getUTCMilliseconds() / 1000;
      const start = secondsOfDay(c.start_time);
      const end = secondsOfDay(c.end_time);
      if (start !== undefined && end !== undefined && (end < start ? now >= start || now < end : now >= start && now < end)) {
        return entry.prices;
      }
    }
  }
  return prices[0]?.prices;
}

/** `HH:MM:SS[.fff](Z|±HH:MM)` as UTC seconds of the day. */
function secondsOfDay(time: string): number | undefined {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (!m) return undefined;
  const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(`0.${m[4] ?? '0'}`);
  const offset = m[5] === 'Z' ? 0 : (m[6] === '+' ? 1 : -1) * (Number(m[7]) * 3600 + Number(m[8]) * 60);
  return (local - offset + 86_400) % 86_400;
}
