import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { usageFromChunk, usageFromResult, type TokenUsage } from '../../lib/index.js';
import { readServerSentEvents } from '../../sample-app/llm/server-sent-events.js';
import { startModelServer, type ModelServer } from '../../sample-app/model-server/model-server.js';

/** The sample's local model server speaks the OpenAI and Anthropic wire formats closely enough for real clients. */
describe('sample local model server', () => {
  let server: ModelServer;
  let openai: OpenAI;
  const anthropicHeaders = { 'content-type': 'application/json', 'x-api-key': 'test', 'anthropic-version': '2023-06-01' };
  const messages = (body: unknown) => fetch(`${server.url}/v1/messages`, { method: 'POST', headers: anthropicHeaders, body: JSON.stringify(body) });

  before(async () => {
    server = await startModelServer({ latency: { firstTokenMs: 0, perTokenMs: 0, perChunkMs: 0 } });
    openai = new OpenAI({ apiKey: 'test', baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  after(() => server.close());

  it('answers chat completions deterministically, with a dated model snapshot and cached tokens on a repeated system prompt', async () => {
    const request = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system' as const, content: 'You classify support tickets for the billing team.' },
        { role: 'user' as const, content: 'My invoice was charged twice this month.' },
      ],
    };
    const first = await openai.chat.completions.create(request);
    const second = await openai.chat.completions.create(request);
    assert.equal(first.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(first.choices[0]!.message.content, second.choices[0]!.message.content);
    assert.equal(first.usage?.prompt_tokens_details?.cached_tokens, 0);
    const usage = usageFromResult(second).usage!;
    assert.ok(usage.cacheReadTokens! > 0 && usage.cacheReadTokens! < usage.inputTokens);
  });

  it('spends reasoning tokens on reasoning models, counted in the completion tokens', async () => {
    const completion = await openai.chat.completions.create({ model: 'o4-mini', messages: [{ role: 'user', content: 'Plan the migration of the billing database.' }] });
    const usage = usageFromResult(completion).usage!;
    assert.ok(usage.reasoningTokens! > 0);
    assert.equal(completion.usage?.completion_tokens, usage.outputTokens);
    assert.ok(usage.outputTokens > usage.reasoningTokens!);
  });

  it('streams chunks, then the usage chunk when asked, then [DONE] (the SDK stream ends cleanly)', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'How do refunds work for annual plans?' }],
    });
    let text = '';
    let usage: TokenUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = usageFromChunk(chunk, usage).usage ?? usage;
    }
    assert.ok(text.length > 0);
    assert.ok(usage && usage.outputTokens > 0 && usage.inputTokens > 0);
  });

  it('calls the tools whose arguments the prompt fills, and follows a JSON schema for structured outputs', async () => {
    const tools = [
      { type: 'function' as const, function: { name: 'calculator', parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] } } },
      { type: 'function' as const, function: { name: 'search', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } } },
    ];
    const planned = await openai.chat.completions.create({ model: 'gpt-4o-mini', tools, messages: [{ role: 'user', content: 'What is (3 + 4) * 12 for the refund?' }] });
    const calls = planned.choices[0]!.message.tool_calls!.map((c) => (c.type === 'function' ? [c.function.name, JSON.parse(c.function.arguments)] : []));
    assert.deepEqual(calls[0], ['calculator', { expression: '(3 + 4) * 12' }]);
    assert.equal(calls[1]![0], 'search');
    assert.equal(planned.choices[0]!.finish_reason, 'tool_calls');

    const structured = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Urgent: the billing page is down' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'c', schema: { type: 'object', properties: { category: { type: 'string', enum: ['technical', 'billing'] }, priority: { type: 'string', enum: ['low', 'urgent'] } } } },
      },
    });
    assert.deepEqual(JSON.parse(structured.choices[0]!.message.content!), { category: 'billing', priority: 'urgent' });
  });

  it('answers an unknown model with the OpenAI 404 error shape', async () => {
    await assert.rejects(openai.chat.completions.create({ model: 'gpt-unknown', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.equal((error as InstanceType<typeof OpenAI.NotFoundError>).code, 'model_not_found');
      return true;
    });
  });

  it('answers Anthropic messages with cache writes, then cache reads, for a prefix marked cache_control', async () => {
    const body = {
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      system: [{ type: 'text', text: 'You summarize support documents for agents.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'The refund policy allows refunds within 30 days.' }],
    };
    const first = (await (await messages(body)).json()) as { model: string; usage: Record<string, number> };
    const second = (await (await messages(body)).json()) as { usage: Record<string, number> };
    assert.equal(first.model, 'claude-haiku-4-5-20251001');
    assert.ok(first.usage.cache_creation_input_tokens! > 0);
    assert.equal(second.usage.cache_read_input_tokens, first.usage.cache_creation_input_tokens);
    const usage = usageFromResult(second).usage!;
    assert.equal(usage.inputTokens, second.usage.input_tokens! + second.usage.cache_read_input_tokens!);
  });

  it('streams the Anthropic event sequence, with usage in message_start and message_delta', async () => {
    const response = await messages({ model: 'claude-haiku-4-5', max_tokens: 40, stream: true, messages: [{ role: 'user', content: 'Explain SSO setup.' }] });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const events: string[] = [];
    let usage: TokenUsage | undefined;
    for await (const { event, data } of readServerSentEvents(response.body!)) {
      events.push(event!);
      usage = usageFromChunk(JSON.parse(data), usage).usage ?? usage;
    }
    assert.deepEqual([...new Set(events)], ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    assert.ok(usage && usage.inputTokens > 0 && usage.outputTokens > 1);
  });

  it('requires the Anthropic authentication and version headers', async () => {
    const noKey = await fetch(`${server.url}/v1/messages`, { method: 'POST', headers: { 'anthropic-version': '2023-06-01' }, body: '{}' });
    assert.equal(noKey.status, 401);
    const noVersion = await fetch(`${server.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: '{}' });
    assert.equal(noVersion.status, 400);
    assert.deepEqual(((await noVersion.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
  });
});
