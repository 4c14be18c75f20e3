import { isFields, text, type Fields } from '../cost/usage-readers.js';
import { chatMessage, openAiToolCall, partsOf } from './message-parts.js';
import type { MessagePart, OutputMessage } from './provider-call.js';

/** What a provider's answer says about itself, and (when content is captured) what the model answered. */
export interface ResponseRead {
  id?: string;
  finishReasons?: string[];
  output?: OutputMessage[];
}

/**
 * Reads the response id, the finish reason of each choice and, with `withContent`, the output messages of a
 * non-streamed result: OpenAI Chat Completions (and legacy completions), OpenAI Responses API, Anthropic
 * Messages, Gemini, Vercel AI SDK `generateText`/`generateObject`, Bedrock Converse, Ollama and LangChain
 * messages. Unknown shapes give an empty read.
 */
export function readResponse(result: unknown, withContent: boolean): ResponseRead {
  if (!isFields(result)) return {};
  if (Array.isArray(result.choices)) return openAiChoices(result, withContent);
  if (result.object === 'response' && Array.isArray(result.output)) return openAiResponse(result, withContent);
  if (result.type === 'message' && Array.isArray(result.content)) {
    return single(text(result.id), text(result.stop_reason), withContent ? partsOf(result.content) : undefined);
  }
  if (Array.isArray(result.candidates)) return geminiCandidates(result, withContent);
  if (typeof result.finishReason === 'string') return vercelResult(result, withContent);
  if (isFields(result.output) && isFields(result.output.message)) {
    const message = result.output.message;
    return single(undefined, text(result.stopReason), withContent ? partsOf(message.content) : undefined);
  }
  if (isFields(result.message) && (result.done === true || 'done_reason' in result)) {
    // Ollama /api/chat
    return single(undefined, text(result.done_reason), withContent ? chatMessage(result.message)?.parts : undefined);
  }
  if (isFields(result.response_metadata)) {
    // LangChain AIMessage
    const finish = text(result.response_metadata.finish_reason) ?? text(result.response_metadata.stop_reason);
    return single(text(result.id), finish, withContent ? chatMessage({ role: 'assistant', content: result.content, tool_calls: result.tool_calls })?.parts : undefined);
  }
  return {};
}

function single(id: string | undefined, finish: string | undefined, parts: MessagePart[] | undefined): ResponseRead {
  const read: ResponseRead = {};
  if (id) read.id = id;
  if (finish) read.finishReasons = [finish];
  if (parts) read.output = [{ role: 'assistant', parts, finish_reason: finish ?? '' }];
  return read;
}

/** One finish reason per choice (or candidate) and, with content, one output message each. */
function perChoice(
  id: string | undefined,
  choices: unknown[],
  finishKey: string,
  toMessage: ((choice: Fields, finish: string) => OutputMessage | undefined) | undefined,
): ResponseRead {
  const read: ResponseRead = {};
  if (id) read.id = id;
  const reasons: string[] = [];
  const output: OutputMessage[] = [];
  for (const choice of choices) {
    if (!isFields(choice)) continue;
    const finish = text(choice[finishKey]) ?? '';
    reasons.push(finish);
    const message = toMessage?.(choice, finish);
    if (message) output.push(message);
  }
  if (reasons.length > 0) read.finishReasons = reasons;
  if (toMessage) read.output = output;
  return read;
}

function openAiChoices(result: Fields, withContent: boolean): ResponseRead {
  return perChoice(text(result.id), result.choices as unknown[], 'finish_reason', withContent ? openAiChoiceMessage : undefined);
}

/** A Chat Completions choice (`message`, with reasoning, refusal and tool calls) or a legacy completion (`text`). */
function openAiChoiceMessage(choice: Fields, finish: string): OutputMessage | undefined {
  const message = choice.message;
  if (typeof choice.text === 'string' && !isFields(message)) return { role: 'assistant', parts: partsOf(choice.text), finish_reason: finish };
  if (!isFields(message)) return undefined;
  const parts = partsOf(message.content);
  if (typeof message.reasoning_content === 'string' && message.reasoning_content !== '') parts.unshift({ type: 'reasoning', content: message.reasoning_content });
  if (typeof message.refusal === 'string' && message.refusal !== '') parts.push({ type: 'text', content: message.refusal });
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      const part = openAiToolCall(call);
      if (part) parts.push(part);
    }
  }
  return { role: text(message.role) ?? 'assistant', parts, finish_reason: finish };
}

function openAiResponse(result: Fields, withContent: boolean): ResponseRead {
  const parts: MessagePart[] = [];
  let calledTool = false;
  for (const item of result.output as unknown[]) {
    if (!isFields(item)) continue;
    if (item.type === 'function_call') calledTool = true;
    if (!withContent) continue;
    if (item.type === 'message') parts.push(...partsOf(item.content));
    else parts.push(...partsOf([item]));
  }
  // The Responses API has no finish reason: `incomplete_details.reason` when cut short, else its status.
  const incomplete = isFields(result.incomplete_details) ? text(result.incomplete_details.reason) : undefined;
  const finish = incomplete ?? (calledTool ? 'tool_call' : text(result.status));
  return single(text(result.id), finish, withContent ? parts : undefined);
}

function geminiCandidates(result: Fields, withContent: boolean): ResponseRead {
  const toMessage = (candidate: Fields, finish: string): OutputMessage => ({
    role: 'assistant',
    parts: isFields(candidate.content) ? partsOf(candidate.content.parts) : [],
    finish_reason: finish,
  });
  return perChoice(text(result.responseId), result.candidates as unknown[], 'finishReason', withContent ? toMessage : undefined);
}

/** Vercel AI SDK results (v4 to v6): `content` parts (v5+), else `text` + `toolCalls`; `object` for generateObject. */
function vercelResult(result: Fields, withContent: boolean): ResponseRead {
  const id = isFields(result.response) ? text(result.response.id) : undefined;
  if (!withContent) return single(id, text(result.finishReason), undefined);
  let parts: MessagePart[];
  if (Array.isArray(result.content)) parts = partsOf(result.content);
  else {
    parts = typeof result.text === 'string' ? partsOf(result.text) : [];
    if (Array.isArray(result.toolCalls)) parts.push(...partsOf(result.toolCalls.map((c) => (isFields(c) ? { type: 'tool-call', ...c } : c))));
  }
  if (parts.length === 0 && result.object !== undefined) parts = [{ type: 'text', content: JSON.stringify(result.object) }];
  return single(id, text(result.finishReason), parts);
}
