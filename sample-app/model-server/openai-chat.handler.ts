import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventStream, HttpError, pause, positiveInt, readJsonObject, sendJson, stringField } from './http-io.js';
import type { Latency } from './latency.js';
import { openAiModel, servedModels } from './model-catalog.js';
import type { PromptCache } from './prompt-cache.js';
import type { RateLimits } from './rate-limits.js';
import { planToolCalls, valueForSchema, type FunctionTool, type JsonSchema, type PlannedToolCall } from './structured-output.js';
import { countTokens, generateReply, hashText, streamPieces } from './text-generator.js';

interface ChatMessage {
  role: string;
  content: string;
}

interface Reply {
  content: string | null;
  toolCalls: PlannedToolCall[];
  finishReason: 'stop' | 'length' | 'tool_calls';
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: { reasoning_tokens: number; audio_tokens: number; accepted_prediction_tokens: number; rejected_prediction_tokens: number };
}

const invalid = (message: string, param?: string, code?: string) => ({
  error: { message, type: 'invalid_request_error', param: param ?? null, code: code ?? null },
});

/** `POST /v1/chat/completions`, OpenAI Chat Completions compatible (plain, streamed, tools, structured outputs). */
export function openAiChatHandler(cache: PromptCache, latency: Latency, limits: RateLimits) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      throw new HttpError(401, { error: { message: 'Missing bearer authentication in header', type: 'invalid_request_error', param: null, code: null } });
    }
    const body = await readJsonObject(req, (m) => invalid(m));
    const modelName = stringField(body.model);
    if (!modelName) throw new HttpError(400, invalid('you must provide a model parameter', 'model'));
    const model = openAiModel(modelName);
    if (!model) {
      throw new HttpError(404, invalid(`The model \`${modelName}\` does not exist or you do not have access to it. Served here: ${servedModels().join(', ')}`, 'model', 'model_not_found'));
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) throw new HttpError(400, invalid('messages must be a non-empty array', 'messages'));
    const limit = limits.check('openai', `req_${hashText(`${JSON.stringify(body.messages)}${Date.now()}${Math.random()}`).toString(16)}`, modelName);
    if (limit.rejection) throw new HttpError(429, limit.rejection, limit.headers);
    const messages = (body.messages as unknown[]).map(toMessage);
    const maxTokens = positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens);

    const reply = compose(body, messages, maxTokens);
    const visible = reply.content !== null ? countTokens(reply.content) : reply.toolCalls.reduce((n, c) => n + 8 + countTokens(JSON.stringify(c.arguments)), 0);
    const reasoning = Math.min(Math.round(visible * model.reasoningRatio), Math.max(0, (maxTokens ?? Infinity) - visible));
    const system = messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content).join('\n');
    const promptTokens = messages.reduce((n, m) => n + 4 + countTokens(m.content), 3) + (Array.isArray(body.tools) ? countTokens(JSON.stringify(body.tools)) : 0);
    const cached = system.length > 0 && cache.hit(`${modelName}:${system}`) ? Math.min(countTokens(system), promptTokens) : 0;
    const usage: Usage = {
      prompt_tokens: promptTokens,
      completion_tokens: visible + reasoning,
      total_tokens: promptTokens + visible + reasoning,
      prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    };
    const id = `chatcmpl-${hashText(JSON.stringify(body.messages)).toString(36)}${Date.now().toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    const common = { id, created, model: model.reportedAs, system_fingerprint: 'fp_local_sample' };

    if (body.stream === true) {
      const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
      await streamReply(res, common, reply, includeUsage ? usage : undefined, latency, reasoning, limit.headers);
      return;
    }
    await pause(latency.firstTokenMs + latency.perTokenMs * usage.completion_tokens);
    sendJson(res, 200, {
      ...common,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: reply.content,
            refusal: null,
            annotations: [],
            ...(reply.toolCalls.length > 0 ? { tool_calls: reply.toolCalls.map(toWireToolCall) } : {}),
          },
          logprobs: null,
          finish_reason: reply.finishReason,
        },
      ],
      usage,
      service_tier: 'default',
    }, limit.headers);
  };
}

function compose(body: Record<string, unknown>, messages: ChatMessage[], maxTokens: number | undefined): Reply {
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  const question = lastUser >= 0 ? messages[lastUser]!.content : messages.at(-1)!.content;
  const toolResults = messages.slice(lastUser + 1).filter((m) => m.role === 'tool').map((m) => m.content);
  const tools = Array.isArray(body.tools) ? body.tools.map(toFunctionTool).filter((t): t is FunctionTool => t !== undefined) : [];
  if (tools.length > 0 && toolResults.length === 0 && body.tool_choice !== 'none') {
    const toolCalls = planToolCalls(tools, question);
    if (toolCalls.length > 0) return { content: null, toolCalls, finishReason: 'tool_calls' };
  }
  const format = body.response_format as { type?: unknown; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === 'json_schema' && format.json_schema?.schema && typeof format.json_schema.schema === 'object') {
    return { content: JSON.stringify(valueForSchema(format.json_schema.schema as JsonSchema, question)), toolCalls: [], finishReason: 'stop' };
  }
  const prompt = [question, ...toolResults].join('\n');
  if (format?.type === 'json_object') {
    return { content: JSON.stringify({ answer: generateReply(prompt, 30) }), toolCalls: [], finishReason: 'stop' };
  }
  const target = maxTokens ? Math.max(1, Math.round(maxTokens * 0.75)) : 60;
  return { content: generateReply(prompt, target), toolCalls: [], finishReason: 'stop' };
}

async function streamReply(
  res: ServerResponse,
  common: Record<string, unknown>,
  reply: Reply,
  usage: Usage | undefined,
  latency: Latency,
  reasoning: number,
  headers: Record<string, string>,
): Promise<void> {
  const events = new EventStream(res, headers);
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    ...common,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(usage ? { usage: null } : {}),
  });
  await pause(latency.firstTokenMs + latency.perTokenMs * reasoning, events.closed);
  events.send(chunk({ role: 'assistant', content: '', refusal: null }));
  // Tool calls stream as the API sends them: id and name first, then the JSON arguments in pieces.
  for (const [index, call] of reply.toolCalls.entries()) {
    const wire = toWireToolCall(call);
    events.send(chunk({ tool_calls: [{ index, id: wire.id, type: 'function', function: { name: wire.function.name, arguments: '' } }] }));
    const args = wire.function.arguments;
    const size = Math.max(1, Math.ceil(args.length / 3));
    for (let i = 0; i < args.length; i += size) {
      await pause(latency.perChunkMs, events.closed);
      events.send(chunk({ tool_calls: [{ index, function: { arguments: args.slice(i, i + size) } }] }));
    }
  }
  for (const piece of streamPieces(reply.content ?? '')) {
    await pause(latency.perChunkMs, events.closed);
    events.send(chunk({ content: piece }));
  }
  events.send(chunk({}, reply.finishReason));
  if (usage) events.send({ ...common, object: 'chat.completion.chunk', choices: [], usage });
  events.send('[DONE]');
  events.end();
}

function toWireToolCall(call: PlannedToolCall) {
  return { id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } };
}

function toMessage(raw: unknown): ChatMessage {
  const m = (raw ?? {}) as { role?: unknown; content?: unknown };
  if (typeof m.role !== 'string') throw new HttpError(400, invalid('every message needs a role', 'messages'));
  return { role: m.role, content: textOf(m.content) };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof (part as { text?: unknown })?.text === 'string' ? (part as { text: string }).text : '')).join('\n');
  }
  return '';
}

function toFunctionTool(raw: unknown): FunctionTool | undefined {
  const fn = (raw as { type?: unknown; function?: { name?: unknown; description?: unknown; parameters?: unknown } } | null)?.function;
  if (!fn || typeof fn.name !== 'string') return undefined;
  return {
    name: fn.name,
    description: typeof fn.description === 'string' ? fn.description : undefined,
    parameters: fn.parameters && typeof fn.parameters === 'object' ? (fn.parameters as JsonSchema) : undefined,
  };
}
