import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventStream, HttpError, pause, positiveInt, readJsonObject, sendJson, stringField } from './http-io.js';
import type { Latency } from './latency.js';
import { anthropicModel, servedModels } from './model-catalog.js';
import type { PromptCache } from './prompt-cache.js';
import { countTokens, generateReply, hashText, streamPieces } from './text-generator.js';

interface TextBlock {
  text: string;
  cached: boolean;
}

const error = (type: string, message: string) => ({ type: 'error', error: { type, message } });

/** `POST /v1/messages`, Anthropic Messages API compatible (plain and streamed, prompt caching via `cache_control`). */
export function anthropicMessagesHandler(cache: PromptCache, latency: Latency) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!req.headers['x-api-key']) throw new HttpError(401, error('authentication_error', 'x-api-key header is required'));
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
    const question = messages.filter((m) => m.role === 'user').at(-1)?.blocks.map((b) => b.text).join('\n') ?? '';
    const text = generateReply(question, Math.max(1, Math.round(maxTokens * 0.75)));
    const outputTokens = countTokens(text);

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
    const id = `msg_${hashText(question).toString(36)}${Date.now().toString(36)}`;
    const stopReason = outputTokens >= maxTokens ? 'max_tokens' : 'end_turn';
    const headers = { 'request-id': `req_${id.slice(4)}` };

    if (body.stream === true) {
      const events = new EventStream(res);
      await pause(latency.firstTokenMs, events.closed);
      const message = { id, type: 'message', role: 'assistant', model: model.reportedAs, content: [], stop_reason: null, stop_sequence: null };
      events.send({ type: 'message_start', message: { ...message, usage: { ...usage, output_tokens: 1 } } }, 'message_start');
      events.send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start');
      events.send({ type: 'ping' }, 'ping');
      for (const piece of streamPieces(text)) {
        await pause(latency.perChunkMs, events.closed);
        events.send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }, 'content_block_delta');
      }
      events.send({ type: 'content_block_stop', index: 0 }, 'content_block_stop');
      events.send({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } }, 'message_delta');
      events.send({ type: 'message_stop' }, 'message_stop');
      events.end();
      return;
    }
    await pause(latency.firstTokenMs + latency.perTokenMs * outputTokens);
    sendJson(
      res,
      200,
      { id, type: 'message', role: 'assistant', model: model.reportedAs, content: [{ type: 'text', text }], stop_reason: stopReason, stop_sequence: null, usage },
      headers,
    );
  };
}

/** A `system` or message `content` (a string or an array of blocks) as text blocks. */
function blocks(content: unknown): TextBlock[] {
  if (typeof content === 'string') return [{ text: content, cached: false }];
  if (!Array.isArray(content)) return [];
  return content.map((block) => {
    const b = (block ?? {}) as { text?: unknown; content?: unknown; cache_control?: unknown };
    const text = typeof b.text === 'string' ? b.text : typeof b.content === 'string' ? b.content : '';
    return { text, cached: b.cache_control !== undefined && b.cache_control !== null };
  });
}
