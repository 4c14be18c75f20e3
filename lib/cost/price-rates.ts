import type { TokenUsage } from '../core/span-scope.js';

/** USD per 1M tokens: a flat rate, or a base rate replaced by the last tier whose `start` the call's input exceeds. */
export type Rate = number | { base: number; tiers: ReadonlyArray<{ start: number; price: number }> };

/** One model's prices, normalised from a user `ModelPrice` or a bundled genai-prices entry. */
export interface Rates {
  input: Rate;
  output: Rate;
  cacheRead: Rate;
  cacheWrite: Rate;
  reasoning: Rate;
  /** Flat USD added to every call (per-request fees). */
  perRequest: number;
}

/** USD split of one call. */
export interface PriceBreakdown {
  totalUsd: number;
  inputUsd: number;
  outputUsd: number;
}

/**
 * Token usage made safe to price: non-numeric, negative or non-finite counts become 0; cache counts are
 * capped by the input and reasoning by the output (they are parts of those totals).
 */
export function sanitizeUsage(usage: TokenUsage): Required<TokenUsage> {
  const input = safe(usage.inputTokens);
  const output = safe(usage.outputTokens);
  const cacheRead = Math.min(safe(usage.cacheReadTokens), input);
  const cacheWrite = Math.min(safe(usage.cacheWriteTokens), input - cacheRead);
  return {
    inputTokens: input,
    outputTokens: output,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: Math.min(safe(usage.reasoningTokens), output),
  };
}

function safe(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * cost = ((input - cacheRead - cacheWrite) * input rate + cacheRead * cacheRead rate + cacheWrite * cacheWrite rate
 *        + (output - reasoning) * output rate + reasoning * reasoning rate) / 1M, plus the per-request fee.
 * Tiered rates pick their tier from the call's total input tokens, as the price source does.
 */
export function priceUsage(rates: Rates, usage: Required<TokenUsage>): PriceBreakdown {
  const input = usage.inputTokens;
  const uncached = input - usage.cacheReadTokens - usage.cacheWriteTokens;
  // Sums in token-dollars first and divides once: fewer rounding steps (1,000 x 2.50 + ... = exactly 0.00725).
  const inputMicro =
    uncached * rate(rates.input, input) +
    usage.cacheReadTokens * rate(rates.cacheRead, input) +
    usage.cacheWriteTokens * rate(rates.cacheWrite, input);
  const outputMicro =
    (usage.outputTokens - usage.reasoningTokens) * rate(rates.output, input) + usage.reasoningTokens * rate(rates.reasoning, input);
  return {
    totalUsd: (inputMicro + outputMicro) / 1e6 + rates.perRequest,
    inputUsd: inputMicro / 1e6,
    outputUsd: outputMicro / 1e6,
  };
}

function rate(r: Rate, inputTokens: number): number {
  if (typeof r === 'number') return r;
  let price = r.base;
  for (const tier of r.tiers) if (inputTokens > tier.start) price = tier.price;
  return price;
}
