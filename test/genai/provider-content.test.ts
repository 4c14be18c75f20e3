import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { Injectable } from '@nestjs/common';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { TraceProvider, tracedFetch, type TracingModuleOptions } from '../../lib/index.js';
import { startModelServer, type ModelServer } from '../../sample-app/model-server/model-server.js';
import type { RateLimitOptions } from '../../sample-app/model-server/rate-limits.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import { readStream } from '../support/waits.js';
import type { AuditedApp } from '../support/span-audit.js';
import { childrenOf, spanNamed, waitForSpans } from '../support/tracing-harness.js';
import { schemaProblems } from './fixtures/genai-schema.js';

/** The documented way to trace the official SDKs: return the client's call, give the client the traced fetch. */
@Injectable()
class Assistant {
  openai!: OpenAI;
  anthropic!: Anthropic;

  @TraceProvider({ provider: 'openai' })
  chat(request: OpenAI.ChatCompletionCreateParamsNonStreaming, options?: OpenAI.RequestOptions) {
    return this.openai.chat.completions.create(request, options);
  }

  @TraceProvider({ provider: 'openai' })
  chatStream(request: OpenAI.ChatCompletionCreateParamsStreaming) {
    return this.openai.chat.completions.create(request);
  }

  @TraceProvider({ provider: 'anthropic' })
  messageStream(request: Anthropic.MessageCreateParamsStreaming) {
    return this.anthropic.messages.create(request);
  }
}

const SYSTEM = 'You are the billing assistant. Use the calculator for arithmetic.';
const QUESTION = 'A customer wants 12 seats: what is 12 * 49 * 10 in dollars per year?';
const OPENAI_TOOLS: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'calculator',
      description: 'Evaluates an arithmetic expression',
      parameters: { type: 'object', properties: { expression: { type: 'string', description: 'the arithmetic expression' } }, required: ['expression'] },
    },
  },
];
const ANTHROPIC_TOOLS: Anthropic.Tool[] = [
  {
    name: 'calculator',
    description: 'Evaluates an arithmetic expression',
    input_schema: { type: 'object', properties: { expression: { type: 'string', description: 'the arithmetic expression' } }, required: ['expression'] },
  },
];

const audited = auditedAppPerTest();
let server: ModelServer;
let app: AuditedApp;
let assistant: Assistant;

async function start(options: { tracing?: TracingModuleOptions; rateLimits?: RateLimitOptions; maxRetries?: number } = {}): Promise<void> {
  server = await startModelServer({ latency: { firstTokenMs: 0, perTokenMs: 0, perChunkMs: 0 }, rateLimits: { retryAfterMs: 5, ...options.rateLimits } });
  // The server of the moment: a test may replace it.
  audited.cleanup(() => server.close());
  app = await audited.boot({ providers: [Assistant], tracing: { captureContent: true, ...options.tracing } });
  assistant = app.app.get(Assistant);
  const maxRetries = options.maxRetries ?? 2;
  assistant.openai = new OpenAI({ apiKey: 'sk-test-openai', baseURL: `${server.url}/v1`, fetch: tracedFetch, maxRetries });
  // The SDK traces itself when a tracer provider is registered; off here so only this library's spans are asserted.
  assistant.anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: server.url, fetch: tracedFetch, maxRetries, openTelemetry: false });
}


const json = (span: ReadableSpan, key: string): unknown => {
  const value = span.attributes[key];
  assert.equal(typeof value, 'string', `${key} is a JSON string`);
  return JSON.parse(value as string);
};

function attempts(provider: ReadableSpan): ReadableSpan[] {
  return childrenOf(app.spans(), provider).filter((s) => s.attributes['gen_ai.span.type'] === 'http_client');
}

/** The attempt spans under `provider` once `count` have ended (an error attempt ends after its copy of the body is read). */
async function settledAttempts(provider: ReadableSpan, count: number): Promise<ReadableSpan[]> {
  await waitForSpans(app.spans, () => attempts(provider).length >= count);
  return attempts(provider);
}

/** Attempts in the order they were made (the first has no resend count). */
function byResend(spans: ReadableSpan[]): ReadableSpan[] {
  const resends = (s: ReadableSpan) => Number(s.attributes['http.request.resend_count'] ?? 0);
  return [...spans].sort((a, b) => resends(a) - resends(b));
}

function assertConforms(span: ReadableSpan): void {
  assert.deepEqual(schemaProblems(json(span, 'gen_ai.input.messages'), 'input'), []);
  assert.deepEqual(schemaProblems(json(span, 'gen_ai.output.messages'), 'output'), []);
}

describe('the official openai client, content captured', () => {
  beforeEach(() => start({ rateLimits: { rejectFirst: { openai: 1 } } }));

  it('a tool call: messages per the GenAI schema, parameters, finish reason; a 429 then a 200 as two attempt spans', async () => {
    const completion = await assistant.chat({
      model: 'gpt-4o-mini',
      temperature: 0.3,
      max_tokens: 200,
      top_p: 0.9,
      stop: ['END'],
      seed: 7,
      tools: OPENAI_TOOLS,
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: QUESTION },
      ],
    });
    const call = completion.choices[0]!.message.tool_calls![0]!;
    const span = spanNamed(app.spans(), 'chat gpt-4o-mini');
    assert.equal(span.status.code, SpanStatusCode.UNSET);

    assertConforms(span);
    assert.deepEqual(json(span, 'gen_ai.input.messages'), [
      { role: 'system', parts: [{ type: 'text', content: SYSTEM }] },
      { role: 'user', parts: [{ type: 'text', content: QUESTION }] },
    ]);
    assert.deepEqual(json(span, 'gen_ai.output.messages'), [
      { role: 'assistant', parts: [{ type: 'tool_call', id: call.id, name: 'calculator', arguments: { expression: '12 * 49 * 10' } }], finish_reason: 'tool_calls' },
    ]);
    assert.equal(span.attributes['gen_ai.request.temperature'], 0.3);
    assert.equal(span.attributes['gen_ai.request.max_tokens'], 200);
    assert.equal(span.attributes['gen_ai.request.top_p'], 0.9);
    assert.deepEqual(span.attributes['gen_ai.request.stop_sequences'], ['END']);
    assert.equal(span.attributes['gen_ai.request.seed'], 7);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['tool_calls']);
    assert.equal(span.attributes['gen_ai.response.id'], completion.id);
    assert.equal(span.attributes['server.address'], '127.0.0.1');
    assert.equal(span.attributes['server.port'], server.port);
    assert.deepEqual(JSON.parse(span.attributes['llm.invocation_parameters'] as string), { temperature: 0.3, max_tokens: 200, top_p: 0.9, stop_sequences: ['END'], seed: 7 });
    // OpenInference: the same conversation, flattened.
    assert.equal(span.attributes['llm.input_messages.0.message.role'], 'system');
    assert.equal(span.attributes['llm.input_messages.1.message.content'], QUESTION);
    assert.equal(span.attributes['llm.output_messages.0.message.tool_calls.0.tool_call.function.name'], 'calculator');
    assert.equal(span.attributes['llm.output_messages.0.message.tool_calls.0.tool_call.id'], call.id);

    // The SDK retried after the 429: two CLIENT attempt spans under the provider span.
    const [first, second] = byResend(await settledAttempts(span, 2));
    assert.ok(first && second && attempts(span).length === 2);
    for (const attempt of [first, second]) {
      assert.equal(attempt.kind, SpanKind.CLIENT);
      assert.equal(attempt.name, 'POST');
      assert.equal(attempt.attributes['http.request.method'], 'POST');
      assert.equal(attempt.attributes['url.full'], `${server.url}/v1/chat/completions`);
      assert.equal(attempt.attributes['server.address'], '127.0.0.1');
    }
    assert.equal(first.attributes['http.response.status_code'], 429);
    assert.equal(first.attributes['error.type'], '429');
    assert.equal(first.status.code, SpanStatusCode.ERROR);
    assert.equal(first.attributes['http.request.resend_count'], undefined);
    assert.deepEqual(first.attributes['http.response.header.x-ratelimit-remaining-requests'], ['0']);
    assert.deepEqual(first.attributes['http.response.header.x-ratelimit-limit-requests'], ['500']);
    assert.deepEqual(first.attributes['http.response.header.retry-after-ms'], ['5']);
    assert.deepEqual(first.attributes['http.response.header.retry-after'], ['1']);
    assert.equal(first.attributes['provider.error.code'], 'rate_limit_exceeded');
    assert.equal(second.attributes['http.response.status_code'], 200);
    assert.equal(second.attributes['http.request.resend_count'], 1);
    assert.deepEqual(second.attributes['http.response.header.x-ratelimit-remaining-requests'], ['499']);
    assert.equal(span.attributes['provider.attempts'], 2);
    assert.equal(span.attributes['provider.error.category'], undefined, 'the call succeeded');
  });

  it('a streamed answer: text assembled from the chunks, finish reason, completion start time, output.value', async () => {
    const stream = await assistant.chatStream({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'How do refunds work for annual plans?' }],
    });
    let text = '';
    await readStream(stream, 'the end of the stream', (chunk) => void (text += chunk.choices[0]?.delta.content ?? ''));
    const span = spanNamed(app.spans(), 'chat gpt-4o-mini');
    assertConforms(span);
    assert.deepEqual(json(span, 'gen_ai.output.messages'), [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }]);
    assert.deepEqual(json(span, 'output.value'), json(span, 'gen_ai.output.messages'));
    assert.equal(span.attributes['llm.output_messages.0.message.content'], text);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.match(String(span.attributes['gen_ai.response.id']), /^chatcmpl-/);
    const start = Date.parse(String(span.attributes['langfuse.observation.completion_start_time']));
    const spanStart = span.startTime[0] * 1000 + span.startTime[1] / 1e6;
    const spanEnd = span.endTime[0] * 1000 + span.endTime[1] / 1e6;
    assert.ok(start >= Math.floor(spanStart) && start <= Math.ceil(spanEnd), 'completion start time within the span');
    assert.equal((await settledAttempts(span, 2)).length, 2, 'the 429 and its retry');
  });

  it('streamed tool calls: id and name from the first delta, arguments joined from the later ones', async () => {
    const stream = await assistant.chatStream({ model: 'gpt-4o-mini', stream: true, tools: OPENAI_TOOLS, messages: [{ role: 'user', content: QUESTION }] });
    const pieces: string[] = [];
    await readStream(stream, 'the end of the stream', (chunk) => {
      for (const c of chunk.choices[0]?.delta.tool_calls ?? []) pieces.push(c.function?.arguments ?? '');
    });
    assert.ok(pieces.filter((p) => p !== '').length > 1, 'the arguments came in several deltas');
    const output = json(spanNamed(app.spans(), 'chat gpt-4o-mini'), 'gen_ai.output.messages') as Array<{ parts: unknown[]; finish_reason: string }>;
    assert.deepEqual(output[0]!.parts, [{ type: 'tool_call', id: output[0]!.parts[0] && (output[0]!.parts[0] as { id: string }).id, name: 'calculator', arguments: { expression: '12 * 49 * 10' } }]);
    assert.match((output[0]!.parts[0] as { id: string }).id, /^call_/);
    assert.equal(output[0]!.finish_reason, 'tool_calls');
  });

  it('a stream the consumer leaves early: what arrived is recorded, the finish reason says cancelled', async () => {
    const stream = await assistant.chatStream({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Explain our refund policy in detail, step by step.' }] });
    let text = '';
    let seen = 0;
    await readStream(stream, 'the first four chunks', (chunk) => {
      text += chunk.choices[0]?.delta.content ?? '';
      return ++seen < 4;
    });
    const span = spanNamed(app.spans(), 'chat gpt-4o-mini');
    assert.deepEqual(json(span, 'gen_ai.output.messages'), [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'cancelled' }]);
    assert.equal(span.attributes['provider.error.category'], 'cancelled');
  });
});

describe('the official @anthropic-ai/sdk, content captured', () => {
  beforeEach(() => start({ rateLimits: { rejectFirst: { anthropic: 1 } } }));

  it('a streamed tool call: system instructions, tool_use assembled from input_json_delta, 429 then 200 with Anthropic headers', async () => {
    const stream = await assistant.messageStream({
      model: 'claude-haiku-4-5',
      max_tokens: 300,
      stop_sequences: ['END'],
      system: SYSTEM,
      stream: true,
      tools: ANTHROPIC_TOOLS,
      messages: [{ role: 'user', content: QUESTION }],
    });
    let id: string | undefined;
    await readStream(stream, 'the end of the stream', (event) => {
      if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') id = event.content_block.id;
    });
    const span = spanNamed(app.spans(), 'chat claude-haiku-4-5');
    assertConforms(span);
    assert.deepEqual(schemaProblems(json(span, 'gen_ai.system_instructions'), 'system'), []);
    assert.deepEqual(json(span, 'gen_ai.system_instructions'), [{ type: 'text', content: SYSTEM }]);
    assert.deepEqual(json(span, 'gen_ai.input.messages'), [{ role: 'user', parts: [{ type: 'text', content: QUESTION }] }]);
    assert.deepEqual(json(span, 'gen_ai.output.messages'), [
      { role: 'assistant', parts: [{ type: 'tool_call', id, name: 'calculator', arguments: { expression: '12 * 49 * 10' } }], finish_reason: 'tool_use' },
    ]);
    assert.deepEqual(span.attributes['gen_ai.request.stop_sequences'], ['END']);
    assert.equal(span.attributes['gen_ai.request.max_tokens'], 300);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['tool_use']);
    assert.match(String(span.attributes['gen_ai.response.id']), /^msg_/);
    assert.equal(span.attributes['gen_ai.response.model'], 'claude-haiku-4-5-20251001');
    assert.ok((span.attributes['gen_ai.usage.output_tokens'] as number) > 0);
    // OpenInference has no separate system prompt: it is the first input message.
    assert.equal(span.attributes['llm.input_messages.0.message.role'], 'system');
    assert.equal(span.attributes['llm.input_messages.0.message.content'], SYSTEM);
    assert.equal(span.attributes['llm.input_messages.1.message.content'], QUESTION);

    const [rejected, served] = byResend(await settledAttempts(span, 2));
    assert.equal(attempts(span).length, 2);
    assert.equal(rejected!.attributes['http.response.status_code'], 429);
    assert.deepEqual(rejected!.attributes['http.response.header.anthropic-ratelimit-requests-remaining'], ['0']);
    assert.deepEqual(rejected!.attributes['http.response.header.retry-after'], ['1']);
    assert.equal(rejected!.attributes['provider.error.code'], 'rate_limit_error');
    assert.equal(served!.attributes['http.response.status_code'], 200);
    assert.equal(served!.attributes['http.request.resend_count'], 1);
    assert.deepEqual(served!.attributes['http.response.header.anthropic-ratelimit-requests-remaining'], ['49']);
    assert.match(String(served!.attributes['http.response.header.request-id']), /^req_/);
    assert.equal(span.attributes['provider.attempts'], 2);
  });

  it('a streamed text answer assembled from text_delta events, finish reason end_turn', async () => {
    const stream = await assistant.messageStream({ model: 'claude-haiku-4-5', max_tokens: 200, stream: true, messages: [{ role: 'user', content: 'Summarize our refund policy.' }] });
    let text = '';
    await readStream(stream, 'the end of the stream', (event) => {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    });
    const span = spanNamed(app.spans(), 'chat claude-haiku-4-5');
    assert.ok(text.length > 20);
    assert.deepEqual(json(span, 'gen_ai.output.messages'), [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'end_turn' }]);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['end_turn']);
  });
});

describe('failures and what is never recorded', () => {
  it('rate limited past the retries: ERROR with the category, the provider code, the status and every attempt', async () => {
    await start({ rateLimits: { rejectFirst: { openai: 3 } }, maxRetries: 2 });
    await assert.rejects(assistant.chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }), OpenAI.RateLimitError);
    const span = spanNamed(app.spans(), 'chat gpt-4o-mini');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['error.type'], 'RateLimitError');
    assert.equal(span.attributes['provider.error.category'], 'rate_limited');
    assert.equal(span.attributes['provider.error.code'], 'rate_limit_exceeded');
    assert.equal(span.attributes['http.response.status_code'], 429);
    assert.equal(span.attributes['provider.attempts'], 3);
    assert.deepEqual((await settledAttempts(span, 3)).map((a) => a.attributes['http.request.resend_count'] ?? 0).sort(), [0, 1, 2]);
  });

  it('a connection refused: the network category on the provider span, the errno on the attempt', async () => {
    await start();
    const port = server.port;
    await server.close();
    assistant.openai = new OpenAI({ apiKey: 'sk-test-openai', baseURL: `http://127.0.0.1:${port}/v1`, fetch: tracedFetch, maxRetries: 0 });
    await assert.rejects(assistant.chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }), OpenAI.APIConnectionError);
    const span = spanNamed(app.spans(), 'chat gpt-4o-mini');
    assert.equal(span.attributes['provider.error.category'], 'network');
    const [attempt] = attempts(span);
    assert.equal(attempt!.status.code, SpanStatusCode.ERROR);
    assert.equal(attempt!.attributes['error.type'], 'ECONNREFUSED');
  });

  it('a call aborted by its signal: cancelled, not an error, on the provider span and the attempt', async () => {
    await start();
    await server.close();
    server = await startModelServer({ latency: { firstTokenMs: 5_000, perTokenMs: 0, perChunkMs: 0 } });
    assistant.openai = new OpenAI({ apiKey: 'sk-test-openai', baseURL: `${server.url}/v1`, fetch: tracedFetch, maxRetries: 0 });
    const controller = new AbortController();
    const call = assistant.chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(call, OpenAI.APIUserAbortError);
    const span = spanNamed(app.spans(), 'chat gpt-4o-mini');
    assert.notEqual(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['provider.error.category'], 'cancelled');
    assert.ok(span.events.some((e) => e.name === 'cancelled'));
    const [attempt] = attempts(span);
    assert.notEqual(attempt!.status.code, SpanStatusCode.ERROR);
  });

  it('content capture off: parameters and finish reasons stay, no messages, no bodies; API keys never recorded', async () => {
    await start({ tracing: { captureContent: false }, rateLimits: { rejectFirst: { openai: 1 } } });
    await assistant.chat({ model: 'gpt-4o-mini', temperature: 0.5, messages: [{ role: 'user', content: QUESTION }] });
    const span = spanNamed(app.spans(), 'chat gpt-4o-mini');
    assert.equal(span.attributes['gen_ai.request.temperature'], 0.5);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
    for (const key of ['gen_ai.input.messages', 'gen_ai.output.messages', 'input.value', 'output.value', 'llm.input_messages.0.message.content']) {
      assert.equal(span.attributes[key], undefined, key);
    }
    // The 429 attempt (the one an error body would be on) ends once its copy of the body has been read.
    await settledAttempts(span, 2);
    const everything = JSON.stringify(app.spans().map((s) => [s.attributes, s.events]));
    assert.ok(!everything.includes(QUESTION), 'no content anywhere');
    assert.ok(!everything.includes('sk-test-openai') && !/authorization/i.test(everything), 'no API key, no auth header');
    assert.ok(!everything.includes('http.response.body'), 'no error body without content capture');
  });
});
