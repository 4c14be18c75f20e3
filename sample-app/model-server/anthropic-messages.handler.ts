import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventStream, HttpError, pause, positiveInt, readJsonObject, sendJson, stringField } from './http-io.js';
import type { Latency } from './latency.js';
import { anthropicModel, servedModels } from './model-catalog.js';
import type { PromptCache } from './prompt-cache.js';
import type { RateLimits } from './rate-limits.js';
import { planToolCalls, type FunctionTool, type JsonSchema, type PlannedToolCall } from './structured-output.js';
import { countTokens, generateReply, hashText, streamPieces } from './text-generator.js';

interface TextBlock {
  text: string;
  cached: boolean;
  /** A `tool_result` block: the model has its tool's answer. */
  toolResult?: boolean;
}

const error = (type: string, message: string) => ({ type: 'error', error: { type, message } });

/** `POST /v1/messages`, Anthropic Messages API compatible (plain and streamed, tools, prompt caching via `cache_control`). */
export function anthropicMessagesHandler(cache: PromptCache, latency: Latency, limits: RateLimits) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // The SDKs send the key as `x-api-key` (older) or as a bearer token (newer).
    if (!req.headers['x-api-key'] && !/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      throw new HttpError(401, error('authentication_error', 'x-api-key header is required'));
    }
    if (!req.headers['anthropic-version']) throw new HttpError(400, error('invalid_request_error', 'anthropic-version header is required'));
    const body = await readJsonObject(req, (m) => error('invalid_request_error', m));
    const modelName = stringField(body.model);
    if (!modelName) throw new HttpError(400, error('invalid_request_error', 'model: Field required'));
    const model = anthropicModel(modelName);
    if (!model) throw new HttpError(404, error('not_found_error', `model: ${modelName} (served here: ${servedModels().join(', ')})`));
    const maxTokens = positiveInt(body.max_tokens);
    if (!maxTokens) throw new HttpError(400, error('invalid_request_error', 'max_tokens: Field required'));
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      throw new HttpError(400, error('invalid_request_error', 'messages: at least one message is required'));
    }

    const system = blocks(body.system);
    const messages = (body.messages as unknown[]).map((m) => ({
      role: String((m as { role?: unknown })?.role ?? ''),
      blocks: blocks((m as { content?: unknown })?.content),
    }));
    const lastUser = messages.filter((m) => m.role === 'user').at(-1);
    const question = lastUser?.blocks.map((b) => b.text).join('\n') ?? '';
    const id = `msg_${hashText(question).toString(36)}${Date.now().toString(36)}`;
    const limit = limits.check('anthropic', `req_${id.slice(4)}`, modelName);
    if (limit.rejection) throw new HttpError(429, limit.rejection, limit.headers);
    const tools = Array.isArray(body.tools) ? body.tools.map(toFunctionTool).filter((t): t is FunctionTool => t !== undefined) : [];
    const toolCalls = tools.length > 0 && !lastUser?.blocks.some((b) => b.toolResult) ? planToolCalls(tools, question) : [];
    const text = toolCalls.length > 0 ? '' : generateReply(question, Math.max(1, Math.round(maxTokens * 0.75)));
    const outputTokens = toolCalls.length > 0 ? toolCalls.reduce((n, c) => n + 8 + countTokens(JSON.stringify(c.arguments)), 0) : countTokens(text);

    // Everything up to the last block marked `cache_control` is the cacheable prefix, as on the real API.
    const all = [...system, ...messages.flatMap((m) => m.blocks)];
    const lastCached = all.map((b) => b.cached).lastIndexOf(true);
    const prefix = lastCached >= 0 ? all.slice(0, lastCached + 1).map((b) => b.text).join('\n') : '';
    const totalInput = all.reduce((n, b) => n + countTokens(b.text), 0) + 4 * messages.length;
    const prefixTokens = Math.min(countTokens(prefix), totalInput);
    const hit = prefix !== '' && cache.hit(`${modelName}:${prefix}`);
    const usage = {
      input_tokens: totalInput - prefixTokens,
      cache_creation_input_tokens: prefix !== '' && !hit ? prefixTokens : 0,
      cache_read_input_tokens: hit ? prefixTokens : 0,
      output_tokens: outputTokens,
      service_tier: 'standard',
    };
    const stopReason = toolCalls.length > 0 ? 'tool_use' : outputTokens >= maxTokens ? 'max_tokens' : 'end_turn';
    const content: Array<ReturnType<typeof toolUse> | { type: 'text'; text: string }> = toolCalls.length > 0 ? toolCalls.map(toolUse) : [{ type: 'text', text }];

    if (body.stream === true) {
      const events = new EventStream(res, limit.headers);
      await pause(latency.firstTokenMs, events.closed);
      const message = { id, type: 'message', role: 'assistant', model: model.reportedAs, content: [], stop_reason: null, stop_sequence: null };
      events.send({ type: 'message_start', message: { ...message, usage: { ...usage, output_tokens: 1 } } }, 'message_start');
      for (const [index, block] of content.entries()) {
        const start = block.type === 'tool_use' ? { ...block, input: {} } : { type: 'text', text: '' };
        events.send({ type: 'content_block_start', index, content_block: start }, 'content_block_start');
        // The real API pings once, after the first block starts.
        if (index === 0) events.send({ type: 'ping' }, 'ping');
        const deltas = block.type === 'tool_use' ? jsonPieces(JSON.stringify(block.input)).map((partial_json) => ({ type: 'input_json_delta', partial_json })) : streamPieces(text).map((piece) => ({ type: 'text_delta', text: piece }));
        for (const delta of deltas) {
          await pause(latency.perChunkMs, events.closed);
          events.send({ type: 'content_block_delta', index, delta }, 'content_block_delta');
        }
        events.send({ type: 'content_block_stop', index }, 'content_block_stop');
      }
      events.send({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } }, 'message_delta');
      events.send({ type: 'message_stop' }, 'message_stop');
      events.end();
      return;
    }
    await pause(latency.firstTokenMs + latency.perTokenMs * outputTokens);
    sendJson(
      res,
      200,
      { id, type: 'message', role: 'assistant', model: model.reportedAs, content, stop_reason: stopReason, stop_sequence: null, usage },
      limit.headers,
    );
  };
}

/** A `system` or message `content` (a string or an array of blocks) as text blocks. */
function blocks(content: unknown): TextBlock[] {
  if (typeof content === 'string') return [{ text: content, cached: false }];
  if (!Array.isArray(content)) return [];
  return content.map((block) => {
    const b = (block ?? {}) as { type?: unknown; text?: unknown; content?: unknown; input?: unknown; cache_control?: unknown };
    const text = typeof b.text === 'string' ? b.text : typeof b.content === 'string' ? b.content : b.input !== undefined ? JSON.stringify(b.input) : '';
    return { text, cached: b.cache_control !== undefined && b.cache_control !== null, toolResult: b.type === 'tool_result' };
  });
}

/** An Anthropic tool (`{ name, description, input_schema }`) in the shape the tool planner reads. */
function toFunctionTool(raw: unknown): FunctionTool | undefined {
  const t = raw as { name?: unknown; description?: unknown; input_schema?: unknown } | null;
  if (!t || typeof t.name !== 'string') return undefined;
  return {
    name: t.name,
    description: typeof t.description === 'string' ? t.description : undefined,
    parameters: t.input_schema && typeof t.input_schema === 'object' ? (t.input_schema as JsonSchema) : undefined,
  };
}

function toolUse(call: PlannedToolCall) {
  return { type: 'tool_use' as const, id: `toolu_${call.id.slice(5)}`, name: call.name, input: call.arguments };
}

/** A tool call's JSON arguments in the few pieces the API streams them in. */
function jsonPieces(json: string): string[] {
  const size = Math.max(1, Math.ceil(json.length / 3));
  const pieces: string[] = [];
  for (let i = 0; i < json.length; i += size) pieces.push(json.slice(i, i + size));
  return pieces;
}
