import type { TokenUsage } from '../core/span-scope.js';

/** A plain object (not an array), readable key by key. */
export type Fields = Record<string, unknown>;

/** Whether `value` is a plain object whose fields can be read. */
export function isFields(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A token count: a finite number >= 0. Anything else (negative, NaN, string, null) is ignored. */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A non-empty string, else undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function field(value: unknown, key: string): unknown {
  return isFields(value) ? value[key] : undefined;
}

function sum(...values: Array<number | undefined>): number | undefined {
  let total: number | undefined;
  for (const v of values) if (v !== undefined) total = (total ?? 0) + v;
  return total;
}

/** A `TokenUsage` from parts; undefined when neither side has a count. Optional fields only when known. */
function tokenUsage(
  input: number | undefined,
  output: number | undefined,
  cacheRead?: number,
  cacheWrite?: number,
  reasoning?: number,
): TokenUsage | undefined {
  if (input === undefined && output === undefined) return undefined;
  const usage: TokenUsage = { inputTokens: input ?? 0, outputTokens: output ?? 0 };
  if (cacheRead !== undefined) usage.cacheReadTokens = cacheRead;
  if (cacheWrite !== undefined) usage.cacheWriteTokens = cacheWrite;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  return usage;
}

/** OpenAI Chat Completions and OpenAI-compatible APIs: `prompt_tokens` includes cached and audio tokens. */
function openAiChat(u: Fields): TokenUsage | undefined {
  return withMedia(
    tokenUsage(
      count(u.prompt_tokens),
      count(u.completion_tokens),
      // DeepSeek reports its cache hits outside the OpenAI details object.
      count(field(u.prompt_tokens_details, 'cached_tokens')) ?? count(u.prompt_cache_hit_tokens),
      undefined,
      count(field(u.completion_tokens_details, 'reasoning_tokens')),
    ),
    u.prompt_tokens_details,
    u.completion_tokens_details,
  );
}

/**
 * Audio and image parts of an OpenAI usage (`*_tokens_details.audio_tokens` / `.image_tokens`: audio models,
 * the Realtime API, `gpt-image-1`), set only when non-zero so text-only calls carry no extra fields.
 */
function withMedia(usage: TokenUsage | undefined, inputDetails: unknown, outputDetails: unknown): TokenUsage | undefined {
  if (!usage) return usage;
  const audioIn = count(field(inputDetails, 'audio_tokens'));
  const imageIn = count(field(inputDetails, 'image_tokens'));
  const audioOut = count(field(outputDetails, 'audio_tokens'));
  const imageOut = count(field(outputDetails, 'image_tokens'));
  if (audioIn) usage.audioInputTokens = audioIn;
  if (imageIn) usage.imageInputTokens = imageIn;
  if (audioOut) usage.audioOutputTokens = audioOut;
  if (imageOut) usage.imageOutputTokens = imageOut;
  return usage;
}

/** Anthropic Messages: `input_tokens` excludes cache reads and writes, which are reported beside it. */
export function anthropic(u: Fields): TokenUsage | undefined {
  const cacheRead = count(u.cache_read_input_tokens);
  const cacheWrite = count(u.cache_creation_input_tokens);
  const uncached = count(u.input_tokens);
  const input = uncached === undefined && cacheRead === undefined && cacheWrite === undefined ? undefined : sum(uncached, cacheRead, cacheWrite);
  return tokenUsage(input, count(u.output_tokens), cacheRead, cacheWrite);
}

/**
 * OpenAI Responses, Realtime and Images APIs (`input_tokens` includes cached, audio and image tokens) and
 * LangChain `usage_metadata` (same convention).
 */
function inputOutput(u: Fields): TokenUsage | undefined {
  return withMedia(
    tokenUsage(
      count(u.input_tokens),
      count(u.output_tokens),
      count(field(u.input_tokens_details, 'cached_tokens')) ?? count(field(u.input_token_details, 'cache_read')),
      count(field(u.input_token_details, 'cache_creation')),
      count(field(u.output_tokens_details, 'reasoning_tokens')) ?? count(field(u.output_token_details, 'reasoning')),
    ),
    u.input_tokens_details ?? u.input_token_details,
    u.output_tokens_details ?? u.output_token_details,
  );
}

/**
 * Gemini `usageMetadata`: thoughts are billed as output and are not part of `candidatesTokenCount`; audio and
 * image tokens are told apart per modality (`promptTokensDetails`, `candidatesTokensDetails`).
 */
export function gemini(m: Fields): TokenUsage | undefined {
  const thoughts = count(m.thoughtsTokenCount);
  const usage = tokenUsage(
    sum(count(m.promptTokenCount), count(m.toolUsePromptTokenCount)),
    sum(count(m.candidatesTokenCount), thoughts),
    count(m.cachedContentTokenCount),
    undefined,
    thoughts,
  );
  if (!usage) return usage;
  const audioIn = modalityCount(m.promptTokensDetails, 'AUDIO');
  const imageIn = modalityCount(m.promptTokensDetails, 'IMAGE');
  const audioOut = modalityCount(m.candidatesTokensDetails, 'AUDIO');
  const imageOut = modalityCount(m.candidatesTokensDetails, 'IMAGE');
  if (audioIn) usage.audioInputTokens = audioIn;
  if (imageIn) usage.imageInputTokens = imageIn;
  if (audioOut) usage.audioOutputTokens = audioOut;
  if (imageOut) usage.imageOutputTokens = imageOut;
  return usage;
}

function modalityCount(details: unknown, modality: string): number | undefined {
  if (!Array.isArray(details)) return undefined;
  let total: number | undefined;
  for (const d of details) if (isFields(d) && d.modality === modality) total = sum(total, count(d.tokenCount));
  return total;
}

/** Bedrock Converse: `inputTokens` excludes the cache counts reported beside it. */
function bedrock(u: Fields): TokenUsage | undefined {
  const cacheRead = count(u.cacheReadInputTokens);
  const cacheWrite = count(u.cacheWriteInputTokens);
  return tokenUsage(sum(count(u.inputTokens), cacheRead, cacheWrite), count(u.outputTokens), cacheRead, cacheWrite);
}

/** Vercel AI SDK `LanguageModelUsage` (v4 `promptTokens`, v5 `cachedInputTokens`, v6 `inputTokenDetails`). */
function vercel(u: Fields): TokenUsage | undefined {
  let input = count(u.inputTokens) ?? count(u.promptTokens);
  const cacheRead = count(field(u.inputTokenDetails, 'cacheReadTokens')) ?? count(u.cachedInputTokens);
  const cacheWrite = count(field(u.inputTokenDetails, 'cacheWriteTokens'));
  // v5 documents inputTokens as including cached tokens, but some v5 providers (Anthropic) reported the
  // uncached part only; a cache count above the input is the sign of that.
  if (input !== undefined && cacheRead !== undefined && sum(cacheRead, cacheWrite)! > input) input += sum(cacheRead, cacheWrite)!;
  return tokenUsage(
    input,
    count(u.outputTokens) ?? count(u.completionTokens),
    cacheRead,
    cacheWrite,
    count(field(u.outputTokenDetails, 'reasoningTokens')) ?? count(u.reasoningTokens),
  );
}

/** Reads any known usage object, telling the conventions apart by their field names. */
export function usageObject(u: unknown): TokenUsage | undefined {
  if (!isFields(u)) return undefined;
  if ('prompt_tokens' in u || 'completion_tokens' in u) return openAiChat(u);
  if ('promptTokenCount' in u || 'candidatesTokenCount' in u) return gemini(u);
  if ('cache_read_input_tokens' in u || 'cache_creation_input_tokens' in u) return anthropic(u);
  if ('input_tokens' in u || 'output_tokens' in u) return inputOutput(u);
  if ('cacheReadInputTokens' in u || 'cacheWriteInputTokens' in u) return bedrock(u);
  if ('inputTokens' in u || 'outputTokens' in u || 'promptTokens' in u || 'completionTokens' in u) return vercel(u);
  return undefined;
}

/** Ollama's top-level counters (`/api/chat`, `/api/generate`). */
export function ollama(r: Fields): TokenUsage | undefined {
  return tokenUsage(count(r.prompt_eval_count), count(r.eval_count));
}

/** Adds two usages (LangChain chunks and AI SDK steps carry increments). */
export function addUsage(a: TokenUsage | undefined, b: TokenUsage): TokenUsage {
  if (!a) return b;
  const total = tokenUsage(
    a.inputTokens + b.inputTokens,
    a.outputTokens + b.outputTokens,
    sum(a.cacheReadTokens, b.cacheReadTokens),
    sum(a.cacheWriteTokens, b.cacheWriteTokens),
    sum(a.reasoningTokens, b.reasoningTokens),
  )!;
  for (const key of ['audioInputTokens', 'audioOutputTokens', 'imageInputTokens', 'imageOutputTokens'] as const) {
    const value = sum(a[key], b[key]);
    if (value !== undefined) total[key] = value;
  }
  return total;
}

/**
 * Anthropic `message_delta`: its counts are cumulative and replace the matching ones from `message_start`
 * (usually only `output_tokens`; input and cache counts too when server tools ran).
 */
export function anthropicDelta(previous: TokenUsage | undefined, u: Fields): TokenUsage | undefined {
  const output = count(u.output_tokens);
  const uncached = count(u.input_tokens);
  const cacheRead = count(u.cache_read_input_tokens) ?? previous?.cacheReadTokens;
  const cacheWrite = count(u.cache_creation_input_tokens) ?? previous?.cacheWriteTokens;
  if (output === undefined && uncached === undefined && cacheRead === previous?.cacheReadTokens && cacheWrite === previous?.cacheWriteTokens) {
    return undefined;
  }
  const previousUncached = previous ? Math.max(0, previous.inputTokens - (previous.cacheReadTokens ?? 0) - (previous.cacheWriteTokens ?? 0)) : 0;
  return tokenUsage(
    (uncached ?? previousUncached) + (cacheRead ?? 0) + (cacheWrite ?? 0),
    output ?? previous?.outputTokens ?? 0,
    cacheRead,
    cacheWrite,
    previous?.reasoningTokens,
  );
}
