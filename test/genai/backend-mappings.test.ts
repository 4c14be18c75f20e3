import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { Body, Controller, Injectable, Post } from '@nestjs/common';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { TraceNode, TraceProvider, TraceTool, TraceWorkflow, tracedFetch, type ConventionName } from '../../lib/index.js';
import { startModelServer, type ModelServer } from '../../sample-app/model-server/model-server.js';
import { createTracedApp, waitForSpans, type TracedApp } from '../support/tracing-harness.js';
import { readStream } from '../support/waits.js';
import * as langfuse from './fixtures/langfuse-ingestion.js';
import { OPENINFERENCE_PROVIDERS, phoenixLlmView } from './fixtures/phoenix-reading.js';

const SYSTEM = 'You triage support tickets for the billing team.';
const TICKET = 'I was charged twice for the Team plan this month, please refund one charge.';

@Injectable()
class Clients {
  readonly openai: OpenAI;
  readonly anthropic: Anthropic;

  constructor() {
    this.openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, fetch: tracedFetch, maxRetries: 0 });
    this.anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: server.url, fetch: tracedFetch, maxRetries: 0, openTelemetry: false });
  }

  @TraceProvider({ provider: 'openai' })
  classify(request: OpenAI.ChatCompletionCreateParamsNonStreaming) {
    return this.openai.chat.completions.create(request);
  }

  /** Azure OpenAI deployments go through the same client; the provider name is Azure's. */
  @TraceProvider({ provider: 'azure.ai.openai' })
  rewrite(request: OpenAI.ChatCompletionCreateParamsNonStreaming) {
    return this.openai.chat.completions.create(request);
  }

  @TraceProvider({ provider: 'anthropic' })
  answer(request: Anthropic.MessageCreateParamsStreaming) {
    return this.anthropic.messages.create(request);
  }

  @TraceProvider({ provider: 'openai', operation: 'embeddings' })
  async embed(request: { model: string; input: string[]; encoding_format: 'float' }) {
    return { object: 'list', model: 'text-embedding-3-small', data: request.input.map((_, index) => ({ object: 'embedding', index, embedding: [0.1, 0.2] })), usage: { prompt_tokens: 14, total_tokens: 14 } };
  }

  @TraceProvider({ provider: 'cohere', operation: 'rerank' })
  async rerank(request: { model: string; query: string; documents: string[] }) {
    return { id: 'rerank-1', results: request.documents.map((_, index) => ({ index, relevance_score: 1 - index / 10 })) };
  }

  @TraceProvider({ provider: 'openai', operation: 'retrieval' })
  async search(request: { model: string; query: string }) {
    return { object: 'vector_store.search_results.page', data: [{ file_id: 'refund-policy', score: 0.92, content: [{ type: 'text', text: `policy for ${request.query}` }] }] };
  }
}

@Injectable()
class Triage {
  constructor(private readonly clients: Clients) {}

  @TraceWorkflow({ name: 'support-triage', tags: ['billing', 'refunds'] })
  async run(input: { ticket: string }) {
    const label = await this.classify(input.ticket);
    const context = await this.lookup(input.ticket);
    const answer = await this.answer(input.ticket);
    return { label, context, answer };
  }

  @TraceNode({ nodeType: 'classify' })
  async classify(ticket: string) {
    const completion = await this.clients.classify({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: ticket }] });
    await this.clients.rewrite({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Rewrite politely: ${ticket}` }] });
    return completion.choices[0]?.message.content ?? '';
  }

  @TraceNode({ nodeType: 'lookup' })
  async lookup(ticket: string) {
    await this.clients.embed({ model: 'text-embedding-3-small', input: [ticket], encoding_format: 'float' });
    const hits = await this.clients.search({ model: 'vector-store', query: ticket });
    await this.clients.rerank({ model: 'rerank-v3.5', query: ticket, documents: hits.data.map((d) => d.file_id) });
    return this.policy('refund');
  }

  @TraceTool({ name: 'policy_lookup' })
  policy(topic: string) {
    return { topic, section: '4.2' };
  }

  @TraceNode({ nodeType: 'answer' })
  async answer(ticket: string) {
    let text = '';
    const stream = await this.clients.answer({ model: 'claude-haiku-4-5', max_tokens: 200, system: SYSTEM, stream: true, messages: [{ role: 'user', content: ticket }] });
    await readStream(stream, 'the end of the Anthropic stream', (event) => {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    });
    return text;
  }
}

@Controller('tickets')
class TicketsController {
  constructor(private readonly triage: Triage) {}

  @Post()
  create(@Body() body: { ticket: string }) {
    return this.triage.run(body);
  }
}

let server: ModelServer;
before(async () => {
  server = await startModelServer({ latency: { firstTokenMs: 2, perTokenMs: 0, perChunkMs: 1 } });
});
after(() => server.close());

/** One HTTP request through the whole pipeline; the trace's spans. */
async function traceOneRequest(conventions: ConventionName[]): Promise<ReadableSpan[]> {
  const app: TracedApp = await createTracedApp({
    controllers: [TicketsController],
    providers: [Clients, Triage],
    tracing: {
      captureContent: true,
      conventions,
      http: { userId: (req) => (req as { headers: Record<string, string> }).headers['x-user-id'], sessionId: (req) => (req as { headers: Record<string, string> }).headers['x-session-id'] },
    },
  });
  try {
    const response = await fetch(`${app.url}/tickets`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-user-id': 'alice', 'x-session-id': 'thread-42' }, body: JSON.stringify({ ticket: TICKET }) });
    assert.equal(response.status, 201);
    return await waitForSpans(app.spans, (spans) => spans.some((s) => s.name === 'POST /tickets'));
  } finally {
    await app.close();
  }
}

const named = (spans: ReadableSpan[], name: string) => {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `one span ${name}`);
  return found[0]!;
};

describe('through Langfuse\'s OTLP ingestion rules (default conventions)', () => {
  let spans: ReadableSpan[];
  before(async () => {
    spans = await traceOneRequest(['openinference', 'langfuse']);
  });

  it('types every span: generations, embedding, retrievers (reranking too), chains, tool, HTTP attempts as plain spans', () => {
    const expected: Record<string, string> = {
      'POST /tickets': 'CHAIN',
      'invoke_workflow support-triage': 'CHAIN',
      'node classify': 'CHAIN',
      'node lookup': 'CHAIN',
      'node answer': 'CHAIN',
      'chat gpt-4o-mini': 'GENERATION',
      'chat claude-haiku-4-5': 'GENERATION',
      'embeddings text-embedding-3-small': 'EMBEDDING',
      'retrieval vector-store': 'RETRIEVER',
      'rerank rerank-v3.5': 'RETRIEVER',
      'execute_tool policy_lookup': 'TOOL',
      POST: 'SPAN',
    };
    assert.deepEqual(new Set(spans.map((s) => s.name)), new Set(Object.keys(expected)));
    for (const span of spans) assert.equal(langfuse.observationType(span.attributes), expected[span.name], span.name);
  });

  it('models, prices and renders each generation as a chat; the streamed one with a completion start time', () => {
    const generations = spans.filter((s) => langfuse.observationType(s.attributes) === 'GENERATION');
    assert.equal(generations.length, 3);
    for (const span of generations) {
      const a = span.attributes;
      assert.equal(langfuse.modelName(a), a['gen_ai.response.model'], `${span.name}: the model that answered`);
      assert.ok(langfuse.costTotal(a)! > 0, `${span.name}: priced`);
      assert.equal(langfuse.costTotal(a), a['cost.usd']);
      const usage = langfuse.usageDetails(a);
      assert.equal(usage.input! + (usage.input_cached_tokens ?? 0) + (usage.input_cache_creation ?? 0), a['gen_ai.usage.input_tokens'], `${span.name}: input tokens`);
      assert.equal(usage.output, a['gen_ai.usage.output_tokens']);
      const io = langfuse.inputOutput(span, 'observation');
      assert.equal(io.source, 'input.value');
      assert.ok(langfuse.rendersAsChat(io.input, 'input'), `${span.name}: input renders as a chat`);
      assert.ok(langfuse.rendersAsChat(io.output, 'output'), `${span.name}: output renders as a chat`);
    }
    const streamed = named(spans, 'chat claude-haiku-4-5');
    const start = langfuse.completionStartTime(streamed.attributes);
    assert.ok(start !== null);
    const spanStart = streamed.startTime[0] * 1e3 + streamed.startTime[1] / 1e6;
    assert.ok(Date.parse(start) >= Math.floor(spanStart));
    const classify = spans.find((s) => s.name === 'chat gpt-4o-mini' && s.attributes['gen_ai.provider.name'] === 'openai')!;
    assert.deepEqual(langfuse.modelParameters(classify.attributes), { temperature: 0 });
  });

  it('names the trace after the workflow (not the HTTP route), with its input, output, user, session and tags', () => {
    const trace = langfuse.langfuseTrace(spans);
    assert.equal(trace.name, 'support-triage');
    assert.equal(trace.userId, 'alice');
    assert.equal(trace.sessionId, 'thread-42');
    assert.deepEqual(trace.tags, ['billing', 'refunds']);
    assert.deepEqual(JSON.parse(String(trace.input)), [{ ticket: TICKET }]);
    assert.ok(String(trace.output).includes('"label"'));
    // Even when the root arrives in a later export batch than the workflow, its own name does not win.
    const rootLast = langfuse.langfuseTrace(spans.filter((s) => s.name === 'POST /tickets'));
    assert.equal(rootLast.name, 'support-triage');
  });
});

describe('through Phoenix\'s reading of OpenInference (default conventions)', () => {
  let spans: ReadableSpan[];
  before(async () => {
    spans = await traceOneRequest(['openinference', 'langfuse']);
  });

  it('shows chat messages, tool calls, token counts and an OpenInference provider for every LLM span', () => {
    const llm = spans.filter((s) => s.attributes['openinference.span.kind'] === 'LLM');
    assert.equal(llm.length, 3);
    for (const span of llm) {
      const view = phoenixLlmView(span.attributes);
      assert.ok(view.provider && OPENINFERENCE_PROVIDERS.has(view.provider), `${span.name}: provider ${view.provider}`);
      assert.equal(view.modelName, span.attributes['gen_ai.response.model']);
      assert.ok(view.inputMessages.length > 0 && view.outputMessages.length > 0);
      assert.ok(view.outputMessages[0]!.content && view.outputMessages[0]!.content.length > 0);
      assert.equal(view.tokens.prompt, span.attributes['gen_ai.usage.input_tokens']);
    }
    const providers = llm.map((s) => [s.attributes['gen_ai.provider.name'], phoenixLlmView(s.attributes).provider]).sort();
    assert.deepEqual(providers, [['anthropic', 'anthropic'], ['azure.ai.openai', 'azure'], ['openai', 'openai']]);
    const azure = llm.find((s) => s.attributes['gen_ai.provider.name'] === 'azure.ai.openai')!;
    assert.equal(azure.attributes['llm.system'], 'openai');
    const answer = phoenixLlmView(named(spans, 'chat claude-haiku-4-5').attributes);
    assert.deepEqual(answer.inputMessages.map((m) => [m.role, m.content]), [['system', SYSTEM], ['user', TICKET]]);
    assert.equal(answer.outputMessages[0]!.role, 'assistant');
    const classify = phoenixLlmView(llm.find((s) => s.attributes['gen_ai.provider.name'] === 'openai')!.attributes);
    assert.deepEqual(JSON.parse(classify.invocationParameters), { temperature: 0 });
  });

  it('types embeddings, retrieval and reranking with their OpenInference kinds', () => {
    assert.equal(named(spans, 'embeddings text-embedding-3-small').attributes['openinference.span.kind'], 'EMBEDDING');
    assert.equal(named(spans, 'embeddings text-embedding-3-small').attributes['embedding.model_name'], 'text-embedding-3-small');
    assert.equal(named(spans, 'retrieval vector-store').attributes['openinference.span.kind'], 'RETRIEVER');
    assert.equal(named(spans, 'rerank rerank-v3.5').attributes['openinference.span.kind'], 'RERANKER');
  });
});

describe('with the Langfuse set alone (no OpenInference)', () => {
  it('Langfuse still types, prices and renders every span right', async () => {
    const spans = await traceOneRequest(['langfuse']);
    assert.ok(spans.every((s) => s.attributes['openinference.span.kind'] === undefined));
    const typeOf = (name: string) => langfuse.observationType(named(spans, name).attributes);
    assert.equal(typeOf('chat claude-haiku-4-5'), 'GENERATION');
    assert.equal(typeOf('embeddings text-embedding-3-small'), 'EMBEDDING');
    assert.equal(typeOf('retrieval vector-store'), 'RETRIEVER');
    assert.equal(typeOf('rerank rerank-v3.5'), 'RETRIEVER');
    assert.equal(typeOf('execute_tool policy_lookup'), 'TOOL');
    const answer = named(spans, 'chat claude-haiku-4-5');
    assert.equal(langfuse.costTotal(answer.attributes), answer.attributes['cost.usd']);
    const io = langfuse.inputOutput(answer, 'observation');
    assert.ok(langfuse.rendersAsChat(io.input, 'input') && langfuse.rendersAsChat(io.output, 'output'));
    assert.equal(langfuse.langfuseTrace(spans).name, 'support-triage');
    assert.deepEqual(langfuse.langfuseTrace(spans).tags, ['billing', 'refunds']);
  });
});
