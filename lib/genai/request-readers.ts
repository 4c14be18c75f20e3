import { isFields, text, type Fields } from '../cost/usage-readers.js';
import { chatMessage, partsOf } from './message-parts.js';
import type { ChatMessage, MessagePart, RequestContent, RequestParameters } from './provider-call.js';

/** Objects inside a request that hold its settings: Gemini `config`/`generationConfig`, Bedrock `inferenceConfig`, Ollama `options`. */
const SETTINGS_CONTAINERS = new Set(['config', 'generationConfig', 'inferenceConfig', 'options']);

/**
 * The sampling and length settings of a request, whatever the SDK spells them: OpenAI Chat (`max_tokens`,
 * `max_completion_tokens`, `stop`, `n`, `seed`, `encoding_format`), OpenAI Responses (`max_output_tokens`),
 * Anthropic (`top_k`, `stop_sequences`), Gemini (`config`/`generationConfig`: `maxOutputTokens`, `topP`,
 * `candidateCount`), Vercel AI SDK (`maxOutputTokens`, `maxTokens`, `stopSequences`), Bedrock Converse
 * (`inferenceConfig`) and Ollama (`options.num_predict`). Read on every provider call, so it visits the
 * request's own keys once (no lookups of absent names) and allocates only when it finds something.
 */
export function readRequestParameters(request: unknown): RequestParameters | undefined {
  if (!isFields(request)) return undefined;
  return collect(request, undefined, 0);
}

function collect(source: Fields, found: RequestParameters | undefined, depth: number): RequestParameters | undefined {
  for (const key of Object.keys(source)) {
    const value = source[key];
    switch (key) {
      case 'temperature':
        found = put(found, 'temperature', value);
        break;
      case 'max_tokens':
      case 'max_completion_tokens':
      case 'max_output_tokens':
      case 'maxTokens':
      case 'maxOutputTokens':
      case 'num_predict':
        found = put(found, 'maxTokens', value);
        break;
      case 'top_p':
      case 'topP':
        found = put(found, 'topP', value);
        break;
      case 'top_k':
      case 'topK':
        found = put(found, 'topK', value);
        break;
      case 'frequency_penalty':
      case 'frequencyPenalty':
        found = put(found, 'frequencyPenalty', value);
        break;
      case 'presence_penalty':
      case 'presencePenalty':
        found = put(found, 'presencePenalty', value);
        break;
      case 'seed':
        found = put(found, 'seed', value);
        break;
      case 'n':
      case 'candidateCount':
        found = put(found, 'choiceCount', value);
        break;
      case 'stop':
      case 'stop_sequences':
      case 'stopSequences': {
        const stops = stringList(value);
        if (stops) (found ??= {}).stopSequences = stops;
        break;
      }
      case 'encoding_format': {
        const format = text(value);
        if (format) (found ??= {}).encodingFormats = [format];
        break;
      }
      default:
        if (depth === 0 && SETTINGS_CONTAINERS.has(key) && isFields(value)) found = collect(value, found, 1);
    }
  }
  return found;
}

function put(found: RequestParameters | undefined, key: Exclude<keyof RequestParameters, 'stopSequences' | 'encodingFormats'>, value: unknown): RequestParameters | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return found;
  (found ??= {})[key] = value;
  return found;
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value === '' ? undefined : [value];
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

/**
 * The conversation a request sends: messages (OpenAI Chat `messages`, OpenAI Responses `input`, Anthropic and
 * Vercel AI SDK `messages`/`prompt`, Gemini `contents`, Bedrock Converse `messages`, legacy completions
 * `prompt`) and system instructions given apart (Anthropic/Vercel/Bedrock `system`, Responses `instructions`,
 * Gemini `systemInstruction`). Only read when content is captured. Embeddings inputs are not messages.
 */
export function readRequestContent(request: unknown, operation: string): RequestContent | undefined {
  if (!isFields(request) || operation === 'embeddings') return undefined;
  const messages: ChatMessage[] = [];
  const source = request.messages ?? request.input ?? request.contents ?? request.prompt;
  if (typeof source === 'string') messages.push({ role: 'user', parts: partsOf(source) });
  else if (Array.isArray(source)) {
    for (const raw of source) {
      const message = chatMessage(raw);
      if (message) messages.push(message);
    }
  } else if (isFields(source)) {
    // Gemini accepts one Content object for `contents`.
    const message = chatMessage(source);
    if (message) messages.push(message);
  }
  const systemInstructions = systemParts(request);
  if (messages.length === 0 && !systemInstructions) return undefined;
  return systemInstructions ? { messages, systemInstructions } : { messages };
}

function systemParts(request: Fields): MessagePart[] | undefined {
  const config = isFields(request.config) ? request.config : undefined;
  const raw = request.system ?? request.instructions ?? config?.systemInstruction ?? request.systemInstruction;
  if (raw === undefined || raw === null) return undefined;
  // Gemini: a Content object `{ parts: [...] }`; others: a string or an array of blocks.
  const parts = partsOf(isFields(raw) && Array.isArray(raw.parts) ? raw.parts : raw);
  return parts.length > 0 ? parts : undefined;
}
