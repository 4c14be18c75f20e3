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
  /** Audio and image token rates, when the price has them; else audio/image tokens cost the text rate. */
  audioInput?: Rate;
  audioOutput?: Rate;
  imageInput?: Rate;
  imageOutput?: Rate;
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
 * Token usage made safe to price: non-numeric, negative or non-finite counts become 0; the parts (cache reads
 * and writes, audio and image input; reasoning, audio and image output) are capped by what is left of their
 * total, so no token is counted twice.
 */
export function sanitizeUsage(usage: TokenUsage): Required<TokenUsage> {
  const input = safe(usage.inputTokens);
  const output = safe(usage.outputTokens);
  // Each part is capped by what its side has left after the parts before it, in this order. (No helper
  // closure: this runs for every priced call.)
  const cacheReadTokens = Math.min(safe(usage.cacheReadTokens), input);
  let inputLeft = input - cacheReadTokens;
  const cacheWriteTokens = Math.min(safe(usage.cacheWriteTokens), inputLeft);
  inputLeft -= cacheWriteTokens;
  const audioInputTokens = Math.min(safe(usage.audioInputTokens), inputLeft);
  inputLeft -= audioInputTokens;
  const imageInputTokens = Math.min(safe(usage.imageInputTokens), inputLeft);
  const reasoningTokens = Math.min(safe(usage.reasoningTokens), output);
  let outputLeft = output - reasoningTokens;
  const audioOutputTokens = Math.min(safe(usage.audioOutputTokens), outputLeft);
  outputLeft -= audioOutputTokens;
  const imageOutputTokens = Math.min(safe(usage.imageOutputTokens), outputLeft);
  return { inputTokens: input, outputTokens: output, cacheReadTokens, cacheWriteTokens, audioInputTokens, imageInputTokens, reasoningTokens, audioOutputTokens, imageOutputTokens };
}

function safe(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * cost = ((input - cacheRead - cacheWrite - audioIn - imageIn) * input rate + cacheRead * cacheRead rate
 *        + cacheWrite * cacheWrite rate + audioIn * audio input rate + imageIn * image input rate
 *        + (output - reasoning - audioOut - imageOut) * output rate + reasoning * reasoning rate
 *        + audioOut * audio output rate + imageOut * image output rate) / 1M, plus the per-request fee.
 * Audio and image rates fall back to the text rates when the price has none. Tiered rates pick their tier from
 * the call's total input tokens, as the price source does.
 */
export function priceUsage(rates: Rates, usage: Required<TokenUsage>): PriceBreakdown {
  const input = usage.inputTokens;
  const uncached = input - usage.cacheReadTokens - usage.cacheWriteTokens - usage.audioInputTokens - usage.imageInputTokens;
  const textOutput = usage.outputTokens - usage.reasoningTokens - usage.audioOutputTokens - usage.imageOutputTokens;
  // Sums in token-dollars first and divides once: fewer rounding steps (1,000 x 2.50 + ... = exactly 0.00725).
  let inputMicro =
    uncached * rate(rates.input, input) +
    usage.cacheReadTokens * rate(rates.cacheRead, input) +
    usage.cacheWriteTokens * rate(rates.cacheWrite, input);
  let outputMicro = textOutput * rate(rates.output, input) + usage.reasoningTokens * rate(rates.reasoning, input);
  if (usage.audioInputTokens > 0) inputMicro += usage.audioInputTokens * rate(rates.audioInput ?? rates.input, input);
  if (usage.imageInputTokens > 0) inputMicro += usage.imageInputTokens * rate(rates.imageInput ?? rates.input, input);
  if (usage.audioOutputTokens > 0) outputMicro += usage.audioOutputTokens * rate(rates.audioOutput ?? rates.output, input);
  if (usage.imageOutputTokens > 0) outputMicro += usage.imageOutputTokens * rate(rates.imageOutput ?? rates.output, input);
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
