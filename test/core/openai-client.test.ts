import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { TraceProvider, TraceWorkflow } from '../../lib/index.js';
import { spanNamed, waitForSpans } from '../support/tracing-harness.js';
import { within } from '../support/waits.js';
import { startModelServer, type ModelServer } from './fixtures/model-server.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import type { AuditedApp } from '../support/span-audit.js';

/**
 * The documented way to trace an SDK: return the client's call as-is. The real `openai` client against a local
 * server: `create()` answers an `APIPromise` (a Promise subclass with `withResponse()`), and with
 * `stream: true` a Promise of a `Stream` with `controller` and `tee()`.
 */
@Injectable()
class ChatService {
  client!: OpenAI;

  @TraceProvider({ provider: 'openai' })
  complete(request: ChatCompletionCreateParamsNonStreaming) {
    return this.client.chat.completions.create(request);
  }

  @TraceProvider({ provider: 'openai' })
  stream(request: ChatCompletionCreateParamsStreaming) {
    return this.client.chat.completions.create(request);
  }

  @TraceWorkflow({ name: 'chat' })
  async chat(text: string): Promise<string> {
    let out = '';
    for await (const chunk of await this.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }], stream: true })) {
      out += chunk.choices[0]?.delta.content ?? '';
    }
    return out;
  }
}

const messages = [{ role: 'user' as const, content: 'Hi' }];
let server: ModelServer;
const audited = auditedAppPerTest();
let app: AuditedApp;
let chat: ChatService;

before(async () => {
  server = await startModelServer();
});
after(() => server.close());
beforeEach(async () => {
  app = await audited.boot({ providers: [ChatService] });
  chat = app.app.get(ChatService);
  chat.client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
});

/** The local server answers every call with 9 input and 3 output tokens (the last chunk, for streams). */
function assertUsage(span: { attributes: Record<string, unknown> }): void {
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 9);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 3);
}

describe('the real OpenAI client through @TraceProvider', () => {
  it('create(): awaited result unchanged; CLIENT span with request and response model', async () => {
    const completion = await chat.complete({ model: 'gpt-4o-mini', messages });
    assert.equal(completion.choices[0]?.message.content, 'Hello!');
    const span = spanNamed(app.spans(), 'chat gpt-4o-mini');
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
    assert.equal(span.attributes['gen_ai.request.model'], 'gpt-4o-mini');
    assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
    assert.equal(span.attributes['openinference.span.kind'], 'LLM');
    assertUsage(span);
  });

  it("create().withResponse() still works (the APIPromise's own API is kept) and ends the span", async () => {
    const { data, response, request_id } = await chat.complete({ model: 'gpt-4o-mini', messages }).withResponse();
    assert.equal(data.choices[0]?.message.content, 'Hello!');
    assert.equal(response.status, 200);
    assert.equal(request_id, 'req_1');
    const span = spanNamed(app.spans(), 'chat gpt-4o-mini');
    assert.equal(span.status.code, SpanStatusCode.UNSET);
  });

  it('create({ stream: true }): the Stream keeps controller/tee; the span ends when it has been read', async () => {
    const stream = await chat.stream({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    assert.ok(stream.controller instanceof AbortController);
    assert.equal(typeof stream.tee, 'function');
    assert.equal(app.spans().length, 0, 'open while the stream is unread');
    let text = '';
    await within(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
      'the end of the streamed completion',
    );
    assert.equal(text, 'Hello!');
    const span = spanNamed(app.spans(), 'chat gpt-4o-mini');
    assert.equal(span.attributes['gen_ai.request.stream'], true);
    assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assertUsage(span);
  });

  it('a stream read inside a workflow nests under it; breaking early ends both spans', async () => {
    assert.equal(await within(chat.chat('hello'), 'the workflow reading a stream'), 'Hello!');
    const workflow = spanNamed(app.spans(), 'invoke_workflow chat');
    const provider = spanNamed(app.spans(), 'chat gpt-4o-mini');
    assert.equal(provider.parentSpanContext?.spanId, workflow.spanContext().spanId);
    assert.equal(workflow.attributes['cost.llm_calls'], 1);

    const stream = await chat.stream({ model: 'gpt-4o-mini', messages, stream: true });
    await within(
      (async () => {
        for await (const _ of stream) break;
      })(),
      'the first chunk',
    );
    await waitForSpans(app.spans, (spans) => spans.filter((s) => s.name === 'chat gpt-4o-mini').length === 2);
  });

  it('aborting through the stream controller ends the span without an error', async () => {
    const stream = await chat.stream({ model: 'slow', messages, stream: true });
    let chunks = 0;
    await within(
      (async () => {
        for await (const _ of stream) {
          chunks += 1;
          stream.controller.abort();
        }
      })(),
      'the end of the aborted stream',
    );
    assert.equal(chunks, 1);
    const span = spanNamed(app.spans(), 'chat slow');
    assert.notEqual(span.status.code, SpanStatusCode.ERROR);
  });
});
