import { isFields, text, type Fields } from '../cost/usage-readers.js';
import type { ChatMessage, MessagePart } from './provider-call.js';

/**
 * Message content of every SDK shape this library reads, as GenAI message parts. One reader for request and
 * response content alike, since the shapes repeat: OpenAI Chat (`text`, `image_url`, `tool_calls`), OpenAI
 * Responses (`input_text`, `output_text`, `function_call`, `function_call_output`), Anthropic (`text`,
 * `tool_use`, `tool_result`, `thinking`, `image`), Vercel AI SDK (`tool-call`, `tool-result`, `reasoning`),
 * Gemini (`{ text }`, `functionCall`, `functionResponse`, `inlineData`, `fileData`) and Bedrock Converse
 * (`{ text }`, `toolUse`, `toolResult`, `reasoningContent`).
 */

/** Parts of a message's content: a string, an array of blocks, or one block. */
export function partsOf(content: unknown): MessagePart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', content }];
  const out: MessagePart[] = [];
  if (Array.isArray(content)) {
    for (const block of content) {
      const part = partOf(block);
      if (part) out.push(part);
    }
  } else {
    const part = partOf(content);
    if (part) out.push(part);
  }
  return out;
}

/** One content block as a part; undefined for blocks with nothing to show (empty text, unknown shapes). */
export function partOf(block: unknown): MessagePart | undefined {
  if (typeof block === 'string') return block === '' ? undefined : { type: 'text', content: block };
  if (!isFields(block)) return undefined;
  switch (block.type) {
    case 'text':
    case 'input_text':
    case 'output_text':
      return textPart(block.text);
    case 'refusal':
      return textPart(block.refusal);
    case 'image_url':
      return mediaPart('image', isFields(block.image_url) ? block.image_url.url : block.image_url);
    case 'input_image':
      return mediaPart('image', block.image_url ?? block.file_id);
    case 'image':
    case 'document':
    case 'file':
      return sourcePart(block);
    case 'tool_use':
    case 'server_tool_use':
      return { type: 'tool_call', id: text(block.id), name: text(block.name) ?? 'unknown', arguments: block.input };
    case 'tool_result':
      return { type: 'tool_call_response', id: text(block.tool_use_id), response: toolResponse(block.content) };
    case 'tool-call':
      return { type: 'tool_call', id: text(block.toolCallId), name: text(block.toolName) ?? 'unknown', arguments: block.input ?? block.args };
    case 'tool-result':
      return { type: 'tool_call_response', id: text(block.toolCallId), response: block.output ?? block.result };
    case 'function_call':
      return { type: 'tool_call', id: text(block.call_id) ?? text(block.id), name: text(block.name) ?? 'unknown', arguments: toolArguments(block.arguments) };
    case 'function_call_output':
      return { type: 'tool_call_response', id: text(block.call_id), response: block.output };
    case 'thinking':
      return reasoningPart(block.thinking);
    case 'reasoning':
      return reasoningPart(block.text ?? summaryText(block.summary));
    case 'redacted_thinking':
      return { type: 'reasoning', content: '[redacted]' };
    case undefined:
      return untypedPart(block);
    default:
      return undefined;
  }
}

/** Gemini parts and Bedrock Converse content blocks: the kind is the key that is present. */
function untypedPart(block: Fields): MessagePart | undefined {
  if (typeof block.text === 'string') return block.thought === true ? reasoningPart(block.text) : textPart(block.text);
  const call = block.functionCall ?? block.toolUse;
  if (isFields(call)) {
    return { type: 'tool_call', id: text(call.id) ?? text(call.toolUseId), name: text(call.name) ?? 'unknown', arguments: call.args ?? call.input };
  }
  const response = block.functionResponse ?? block.toolResult;
  if (isFields(response)) {
    return { type: 'tool_call_response', id: text(response.id) ?? text(response.toolUseId), response: response.response ?? toolResponse(response.content) };
  }
  if (isFields(block.reasoningContent)) {
    const reasoning = block.reasoningContent.reasoningText;
    return reasoningPart(isFields(reasoning) ? reasoning.text : undefined);
  }
  if (isFields(block.inlineData)) {
    return { type: 'blob', modality: modality(text(block.inlineData.mimeType)), mime_type: text(block.inlineData.mimeType), content: String(block.inlineData.data ?? '') };
  }
  if (isFields(block.fileData)) return mediaPart(modality(text(block.fileData.mimeType)), block.fileData.fileUri);
  if (block.json !== undefined) return { type: 'text', content: JSON.stringify(block.json) };
  return undefined;
}

/** A message of any SDK shape: role (Gemini's `model` is `assistant`) and parts, OpenAI tool calls included. */
export function chatMessage(raw: unknown): ChatMessage | undefined {
  if (typeof raw === 'string') return { role: 'user', parts: partsOf(raw) };
  if (!isFields(raw)) return undefined;
  // OpenAI Responses input items without a role: a function call made by the model, or its output.
  if (raw.role === undefined && (raw.type === 'function_call' || raw.type === 'function_call_output')) {
    const part = partOf(raw);
    return part ? { role: raw.type === 'function_call' ? 'assistant' : 'tool', parts: [part] } : undefined;
  }
  const role = text(raw.role) === 'model' ? 'assistant' : (text(raw.role) ?? 'user');
  const toolCallId = text(raw.tool_call_id);
  let parts: MessagePart[];
  if (role === 'tool' && toolCallId) parts = [{ type: 'tool_call_response', id: toolCallId, response: toolResponse(raw.content) }];
  else parts = partsOf(raw.content ?? raw.parts);
  if (Array.isArray(raw.tool_calls)) {
    for (const call of raw.tool_calls) {
      const part = openAiToolCall(call);
      if (part) parts.push(part);
    }
  }
  const message: ChatMessage = { role, parts };
  const name = text(raw.name);
  if (name) message.name = name;
  return message;
}

/** An OpenAI Chat tool call (`{ id, type: 'function', function: { name, arguments } }`; Ollama has no id). */
export function openAiToolCall(call: unknown): MessagePart | undefined {
  if (!isFields(call) || !isFields(call.function)) return undefined;
  return { type: 'tool_call', id: text(call.id), name: text(call.function.name) ?? 'unknown', arguments: toolArguments(call.function.arguments) };
}

/** Tool arguments as an object when they are a JSON string (as the GenAI examples record them), else as given. */
export function toolArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return value;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return value;
  }
}

function toolResponse(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  // A tool result made only of text blocks reads best as its text.
  const texts = content.map((block) => (isFields(block) && typeof block.text === 'string' ? block.text : undefined));
  return texts.every((t) => t !== undefined) ? texts.join('\n') : content;
}

function textPart(value: unknown): MessagePart | undefined {
  return typeof value === 'string' && value !== '' ? { type: 'text', content: value } : undefined;
}

function reasoningPart(value: unknown): MessagePart | undefined {
  return typeof value === 'string' && value !== '' ? { type: 'reasoning', content: value } : undefined;
}

function summaryText(summary: unknown): string | undefined {
  if (!Array.isArray(summary)) return undefined;
  return summary.map((s) => (isFields(s) && typeof s.text === 'string' ? s.text : '')).join('');
}

/** A URL is a `uri` part; a `data:` URL is a `blob` with its media type. */
function mediaPart(kind: string, url: unknown): MessagePart | undefined {
  if (typeof url !== 'string' || url === '') return undefined;
  const data = /^data:([^;,]+)?(?:;base64)?,/.exec(url);
  if (data) return { type: 'blob', modality: kind, mime_type: data[1], content: url.slice(data[0].length) };
  return { type: 'uri', modality: kind, uri: url };
}

/** Anthropic `image`/`document` sources (base64, url) and Vercel AI SDK `image`/`file` parts. */
function sourcePart(block: Fields): MessagePart | undefined {
  const kind = block.type === 'image' ? 'image' : modality(text(block.mediaType) ?? text(block.mimeType));
  const source = block.source;
  if (isFields(source)) {
    if (source.type === 'url') return mediaPart(kind, source.url);
    if (typeof source.data === 'string') return { type: 'blob', modality: kind, mime_type: text(source.media_type), content: source.data };
    return undefined;
  }
  const data = block.image ?? block.data;
  if (typeof data === 'string') return mediaPart(kind, data.includes(':') ? data : `data:${text(block.mediaType) ?? ''};base64,${data}`);
  if (data instanceof URL) return mediaPart(kind, data.href);
  return undefined;
}

function modality(mimeType: string | undefined): string {
  const major = mimeType?.split('/')[0];
  return major === 'image' || major === 'audio' || major === 'video' ? major : 'file';
}
