import { isFields, text, type Fields } from '../cost/usage-readers.js';
import { chatMessage, partsOf } from './message-parts.js';
import type { ProviderCall } from './provider-call.js';
import { readResponse } from './response-readers.js';
import type { StreamAssembler } from './stream-assembler.js';

/**
 * Reads one stream item into `call`: the response id and finish reasons always (a few field reads), and the
 * content deltas into `call.assembler` when content is captured. Items of OpenAI Chat Completions and Responses
 * streams, Anthropic Messages events, Gemini chunks, Vercel AI SDK stream parts (and plain text streams),
 * Bedrock ConverseStream events and Ollama chunks.
 */
export function readStreamChunk(chunk: unknown, call: ProviderCall): void {
  const a = call.assembler;
  if (typeof chunk === 'string') {
    a?.text(0, 'text', chunk);
    return;
  }
  if (!isFields(chunk)) return;
  if (typeof chunk.type === 'string') typedEvent(chunk, chunk.type, call, a);
  else if (Array.isArray(chunk.choices)) openAiChunk(chunk, call, a);
  else if (Array.isArray(chunk.candidates)) geminiChunk(chunk, call, a);
  else if (isFields(chunk.contentBlockDelta) || isFields(chunk.contentBlockStart) || isFields(chunk.messageStop)) bedrockEvent(chunk, call, a);
  else if (isFields(chunk.message) && 'done' in chunk) ollamaChunk(chunk, call, a);
}

function finish(call: ProviderCall, index: number, reason: unknown): void {
  const value = text(reason);
  if (!value) return;
  const reasons = (call.finishReasons ??= []);
  while (reasons.length < index) reasons.push('');
  reasons[index] = value;
}

function typedEvent(chunk: Fields, type: string, call: ProviderCall, a: StreamAssembler | undefined): void {
  switch (type) {
    // Anthropic Messages
    case 'message_start':
      if (isFields(chunk.message)) call.responseId ??= text(chunk.message.id);
      return;
    case 'content_block_start': {
      const block = chunk.content_block;
      if (!a || !isFields(block)) return;
      if (block.type === 'tool_use' || block.type === 'server_tool_use') a.toolStart(0, chunk.index, text(block.id), text(block.name));
      else if (block.type === 'text') a.text(0, 'text', block.text);
      else if (block.type === 'thinking') a.text(0, 'reasoning', block.thinking);
      return;
    }
    case 'content_block_delta': {
      const delta = chunk.delta;
      if (!a || !isFields(delta)) return;
      if (delta.type === 'text_delta') a.text(0, 'text', delta.text);
      else if (delta.type === 'input_json_delta') a.toolArguments(0, chunk.index, delta.partial_json);
      else if (delta.type === 'thinking_delta') a.text(0, 'reasoning', delta.thinking);
      return;
    }
    case 'message_delta':
      if (isFields(chunk.delta)) finish(call, 0, chunk.delta.stop_reason);
      return;
    // OpenAI Responses API
    case 'response.created':
    case 'response.in_progress':
      if (isFields(chunk.response)) call.responseId ??= text(chunk.response.id);
      return;
    case 'response.output_text.delta':
      a?.text(0, 'text', chunk.delta);
      return;
    case 'response.reasoning_summary_text.delta':
      a?.text(0, 'reasoning', chunk.delta);
      return;
    case 'response.output_item.added':
      if (a && isFields(chunk.item) && chunk.item.type === 'function_call') a.toolStart(0, chunk.output_index, text(chunk.item.call_id), text(chunk.item.name));
      return;
    case 'response.function_call_arguments.delta':
      a?.toolArguments(0, chunk.output_index, chunk.delta);
      return;
    case 'response.completed':
    case 'response.incomplete':
    case 'response.failed': {
      const read = readResponse(chunk.response, a !== undefined);
      call.responseId ??= read.id;
      if (read.finishReasons) call.finishReasons = read.finishReasons;
      a?.replaceWith(read.output);
      return;
    }
    // Vercel AI SDK stream parts (v4 `textDelta`, v5+ `text`/`delta`)
    case 'text-delta':
    case 'text':
      a?.text(0, 'text', chunk.text ?? chunk.textDelta ?? chunk.delta);
      return;
    case 'reasoning-delta':
    case 'reasoning':
      a?.text(0, 'reasoning', chunk.text ?? chunk.textDelta ?? chunk.delta);
      return;
    case 'tool-call':
      a?.toolCall(0, text(chunk.toolCallId), text(chunk.toolName), chunk.input ?? chunk.args);
      return;
    case 'finish-step':
    case 'step-finish':
      if (isFields(chunk.response)) call.responseId ??= text(chunk.response.id);
      return;
    case 'finish':
      finish(call, 0, chunk.finishReason);
      return;
  }
}

/** Each choice (or candidate) of a chunk, with its index; its finish reason goes to `call`. */
function eachChoice(choices: unknown[], finishKey: string, call: ProviderCall, fn: ((choice: Fields, index: number) => void) | undefined): void {
  for (let i = 0; i < choices.length; i++) {
    const choice = choices[i];
    if (!isFields(choice)) continue;
    const index = typeof choice.index === 'number' ? choice.index : i;
    if (choice[finishKey]) finish(call, index, choice[finishKey]);
    fn?.(choice, index);
  }
}

function openAiChunk(chunk: Fields, call: ProviderCall, a: StreamAssembler | undefined): void {
  call.responseId ??= text(chunk.id);
  eachChoice(chunk.choices as unknown[], 'finish_reason', call, a && ((choice, index) => openAiDelta(a, choice.delta, index)));
}

function openAiDelta(a: StreamAssembler, delta: unknown, index: number): void {
  if (!isFields(delta)) return;
  a.text(index, 'reasoning', delta.reasoning_content);
  a.text(index, 'text', delta.content);
  a.text(index, 'text', delta.refusal);
  if (!Array.isArray(delta.tool_calls)) return;
  for (let j = 0; j < delta.tool_calls.length; j++) {
    const call = delta.tool_calls[j] as unknown;
    if (!isFields(call)) continue;
    const key = typeof call.index === 'number' ? call.index : j;
    const fn = isFields(call.function) ? call.function : undefined;
    if (call.id !== undefined || fn?.name !== undefined) a.toolStart(index, key, text(call.id), text(fn?.name));
    a.toolArguments(index, key, fn?.arguments);
  }
}

function geminiChunk(chunk: Fields, call: ProviderCall, a: StreamAssembler | undefined): void {
  call.responseId ??= text(chunk.responseId);
  eachChoice(chunk.candidates as unknown[], 'finishReason', call, a && ((candidate, index) => {
    if (!isFields(candidate.content)) return;
    for (const part of partsOf(candidate.content.parts)) {
      if (part.type === 'text' || part.type === 'reasoning') a.text(index, part.type, part.content);
      else if (part.type === 'tool_call') a.toolCall(index, part.id, part.name, part.arguments);
    }
  }));
}

function bedrockEvent(chunk: Fields, call: ProviderCall, a: StreamAssembler | undefined): void {
  if (isFields(chunk.messageStop)) {
    finish(call, 0, chunk.messageStop.stopReason);
    return;
  }
  if (!a) return;
  const start = isFields(chunk.contentBlockStart) ? chunk.contentBlockStart : undefined;
  if (start && isFields(start.start) && isFields(start.start.toolUse)) {
    a.toolStart(0, start.contentBlockIndex, text(start.start.toolUse.toolUseId), text(start.start.toolUse.name));
  }
  const block = isFields(chunk.contentBlockDelta) ? chunk.contentBlockDelta : undefined;
  const delta = block && isFields(block.delta) ? block.delta : undefined;
  if (!delta) return;
  a.text(0, 'text', delta.text);
  if (isFields(delta.toolUse)) a.toolArguments(0, block!.contentBlockIndex, delta.toolUse.input);
  if (isFields(delta.reasoningContent)) a.text(0, 'reasoning', delta.reasoningContent.text);
}

function ollamaChunk(chunk: Fields, call: ProviderCall, a: StreamAssembler | undefined): void {
  if (chunk.done === true) finish(call, 0, chunk.done_reason);
  if (!a) return;
  const message = chatMessage({ ...(chunk.message as Fields), role: 'assistant' });
  for (const part of message?.parts ?? []) {
    if (part.type === 'text' || part.type === 'reasoning') a.text(0, part.type, part.content);
    else if (part.type === 'tool_call') a.toolCall(0, part.id, part.name, part.arguments);
  }
}
