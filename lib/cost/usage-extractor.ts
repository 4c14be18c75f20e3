import type { TokenUsage } from '../core/span-scope.js';
import { addUsage, anthropic, anthropicDelta, gemini, isFields, ollama, text, usageObject, type Fields } from './usage-readers.js';

/** Token usage and response model read from a provider result or stream item. */
export interface UsageRead {
  usage?: TokenUsage;
  responseModel?: string;
}

/**
 * Reads token usage and the response model from a non-streamed provider result: OpenAI Chat Completions and
 * Responses API, Anthropic Messages, Google Gemini (`@google/genai` and `@google/generative-ai`), Vercel AI SDK
 * `generateText`/`generateObject` (v4 to v6), Bedrock Converse, LangChain messages and Ollama. Counts follow
 * the OTel convention (input includes cache reads/writes, output includes reasoning); odd values are ignored.
 */
export function usageFromResult(result: unknown): UsageRead {
  if (!isFields(result)) return {};
  const nested = isFields(result.response) ? result.response : undefined;
  const usage =
    usageObject(result.totalUsage) ??
    usageObject(result.usage) ??
    usageObject(result.usageMetadata) ??
    usageObject(result.usage_metadata) ??
    usageObject(nested?.usageMetadata) ??
    ollama(result);
  return read(usage, responseModel(result, nested));
}

/**
 * Reads one stream item, given the usage read so far (`previous`). Returns the usage to keep when the item
 * carries some: OpenAI chunks with `usage` (`stream_options.include_usage`), Responses API events
 * (`response.completed`...), Anthropic `message_start` + `message_delta` (merged with `previous`), Gemini
 * chunks with `usageMetadata`, Vercel AI SDK `finish`/`finish-step` parts, Bedrock ConverseStream `metadata`,
 * LangChain message chunks (summed) and Ollama's final chunk.
 */
export function usageFromChunk(chunk: unknown, previous: TokenUsage | undefined): UsageRead {
  if (!isFields(chunk)) return {};
  const type = text(chunk.type);
  if (type === 'message_start' && isFields(chunk.message)) {
    const message = chunk.message;
    return read(isFields(message.usage) ? anthropic(message.usage) : undefined, text(message.model));
  }
  if (type === 'message_delta') return read(isFields(chunk.usage) ? anthropicDelta(previous, chunk.usage) : undefined, undefined);
  if (type?.startsWith('response.') && isFields(chunk.response)) {
    return read(usageObject(chunk.response.usage), text(chunk.response.model));
  }
  if (type === 'finish') return read(usageObject(chunk.totalUsage) ?? usageObject(chunk.usage), vercelModel(chunk));
  if (type === 'finish-step' || type === 'step-finish') {
    const step = usageObject(chunk.usage);
    return read(step ? addUsage(previous, step) : undefined, vercelModel(chunk));
  }
  if (isFields(chunk.usage_metadata)) {
    const increment = usageObject(chunk.usage_metadata);
    return read(increment ? addUsage(previous, increment) : undefined, langChainModel(chunk));
  }
  if (isFields(chunk.usageMetadata)) return read(gemini(chunk.usageMetadata), text(chunk.modelVersion));
  if (isFields(chunk.metadata) && isFields(chunk.metadata.usage)) return read(usageObject(chunk.metadata.usage), undefined);
  if (chunk.done === true) return read(ollama(chunk), text(chunk.model));
  return read(usageObject(chunk.usage), text(chunk.model) ?? text(chunk.modelVersion));
}

function read(usage: TokenUsage | undefined, responseModel: string | undefined): UsageRead {
  const out: UsageRead = {};
  if (usage) out.usage = usage;
  if (responseModel) out.responseModel = responseModel;
  return out;
}

function responseModel(result: Fields, nested: Fields | undefined): string | undefined {
  return (
    text(result.model) ??
    text(result.modelVersion) ??
    text(nested?.modelId) ??
    text(nested?.modelVersion) ??
    text(nested?.model) ??
    langChainModel(result)
  );
}

function vercelModel(part: Fields): string | undefined {
  return isFields(part.response) ? text(part.response.modelId) : undefined;
}

function langChainModel(message: Fields): string | undefined {
  const metadata = message.response_metadata;
  return isFields(metadata) ? (text(metadata.model_name) ?? text(metadata.model)) : undefined;
}
