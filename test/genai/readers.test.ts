import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secretKeyMatcher } from '../../lib/core/secret-keys.js';
import { boundMessages } from '../../lib/genai/bounded-messages.js';
import { ProviderCall } from '../../lib/genai/provider-call.js';
import { classifyFailure } from '../../lib/genai/provider-errors.js';
import { openInferenceProvider } from '../../lib/genai/provider-names.js';
import { readRequestContent, readRequestParameters } from '../../lib/genai/request-readers.js';
import { readResponse } from '../../lib/genai/response-readers.js';
import { StreamAssembler } from '../../lib/genai/stream-assembler.js';
import { readStreamChunk } from '../../lib/genai/stream-chunk-readers.js';
import { schemaProblems } from './fixtures/genai-schema.js';

function streamed(chunks: unknown[], maxChars = 10_000) {
  const call = new ProviderCall('p', 'chat', 'm', true, undefined, true, undefined, undefined);
  call.assembler = new StreamAssembler(maxChars);
  for (const chunk of chunks) readStreamChunk(chunk, call);
  return { call, output: call.assembler.messages(call.finishReasons, 'cancelled') };
}

describe('request parameters, whatever the SDK spells them', () => {
  it('OpenAI, Anthropic, Gemini, Bedrock, Vercel AI SDK and Ollama', () => {
    assert.deepEqual(readRequestParameters({ model: 'gpt-4o', temperature: 0.2, max_completion_tokens: 50, top_p: 1, frequency_penalty: 0.5, presence_penalty: -0.5, stop: 'END', seed: 3, n: 2, messages: [] }), {
      temperature: 0.2, maxTokens: 50, topP: 1, frequencyPenalty: 0.5, presencePenalty: -0.5, stopSequences: ['END'], seed: 3, choiceCount: 2,
    });
    assert.deepEqual(readRequestParameters({ model: 'claude', max_tokens: 1024, top_k: 5, stop_sequences: ['\n\nHuman:'], messages: [] }), { maxTokens: 1024, topK: 5, stopSequences: ['\n\nHuman:'] });
    assert.deepEqual(readRequestParameters({ model: 'gemini-2.5-flash', contents: 'hi', config: { temperature: 0.9, maxOutputTokens: 64, topP: 0.8, topK: 20, candidateCount: 1, stopSequences: ['x'] } }), {
      temperature: 0.9, maxTokens: 64, topP: 0.8, topK: 20, choiceCount: 1, stopSequences: ['x'],
    });
    assert.deepEqual(readRequestParameters({ modelId: 'anthropic.claude-3', messages: [], inferenceConfig: { maxTokens: 10, temperature: 0, topP: 0.5, stopSequences: ['s'] } }), { maxTokens: 10, temperature: 0, topP: 0.5, stopSequences: ['s'] });
    assert.deepEqual(readRequestParameters({ model: {}, prompt: 'p', maxOutputTokens: 99, frequencyPenalty: 1 }), { maxTokens: 99, frequencyPenalty: 1 });
    assert.deepEqual(readRequestParameters({ model: 'llama3', options: { num_predict: 12, temperature: 0.7 } }), { maxTokens: 12, temperature: 0.7 });
    assert.deepEqual(readRequestParameters({ model: 'text-embedding-3-small', input: ['a'], encoding_format: 'base64' }), { encodingFormats: ['base64'] });
  });

  it('odd values are ignored and nothing is allocated for a request without settings', () => {
    assert.equal(readRequestParameters({ model: 'm', messages: [] }), undefined);
    assert.equal(readRequestParameters({ temperature: Number.NaN, max_tokens: '12', stop: [1, 2] }), undefined);
    assert.equal(readRequestParameters('not a request'), undefined);
    // Settings containers are read one level deep only.
    assert.equal(readRequestParameters({ config: { config: { temperature: 1 } } }), undefined);
  });
});

describe('request messages of every SDK shape, as GenAI parts', () => {
  it('OpenAI Chat: roles, images, assistant tool calls and tool results', () => {
    const content = readRequestContent(
      {
        messages: [
          { role: 'developer', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0' } }] },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
        ],
      },
      'chat',
    )!;
    assert.deepEqual(content.messages, [
      { role: 'developer', parts: [{ type: 'text', content: 'Be brief.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'What is in this image?' }, { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'lookup', arguments: { q: 'cat' } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'a cat' }] },
    ]);
    assert.deepEqual(schemaProblems(content.messages, 'input'), []);
  });

  it('OpenAI Responses: instructions, input items, function calls and their output', () => {
    const content = readRequestContent(
      {
        instructions: 'You are terse.',
        input: [
          { role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }] },
          { type: 'function_call', call_id: 'fc_1', name: 'weather', arguments: '{"city":"Paris"}' },
          { type: 'function_call_output', call_id: 'fc_1', output: '18C' },
        ],
      },
      'chat',
    )!;
    assert.deepEqual(content.systemInstructions, [{ type: 'text', content: 'You are terse.' }]);
    assert.deepEqual(content.messages, [
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'fc_1', name: 'weather', arguments: { city: 'Paris' } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'fc_1', response: '18C' }] },
    ]);
  });

  it('Anthropic: system blocks, tool_use, tool_result, thinking', () => {
    const content = readRequestContent(
      {
        system: [{ type: 'text', text: 'Policy: be kind.', cache_control: { type: 'ephemeral' } }],
        messages: [
          { role: 'user', content: 'Add 2 and 3' },
          { role: 'assistant', content: [{ type: 'thinking', thinking: 'use the tool' }, { type: 'tool_use', id: 'toolu_1', name: 'add', input: { a: 2, b: 3 } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '5' }] }] },
        ],
      },
      'chat',
    )!;
    assert.deepEqual(content.systemInstructions, [{ type: 'text', content: 'Policy: be kind.' }]);
    assert.deepEqual(content.messages[1], { role: 'assistant', parts: [{ type: 'reasoning', content: 'use the tool' }, { type: 'tool_call', id: 'toolu_1', name: 'add', arguments: { a: 2, b: 3 } }] });
    assert.deepEqual(content.messages[2], { role: 'user', parts: [{ type: 'tool_call_response', id: 'toolu_1', response: '5' }] });
  });

  it('Gemini: contents with model role, function calls and responses, systemInstruction in config', () => {
    const content = readRequestContent(
      {
        model: 'gemini-2.5-flash',
        config: { systemInstruction: { parts: [{ text: 'Answer in French.' }] } },
        contents: [
          { role: 'user', parts: [{ text: 'Weather?' }, { fileData: { mimeType: 'image/jpeg', fileUri: 'gs://b/cat.jpg' } }] },
          { role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'Lyon' } } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { temp: 21 } } }] },
        ],
      },
      'generate_content',
    )!;
    assert.deepEqual(content.systemInstructions, [{ type: 'text', content: 'Answer in French.' }]);
    assert.deepEqual(content.messages, [
      { role: 'user', parts: [{ type: 'text', content: 'Weather?' }, { type: 'uri', modality: 'image', uri: 'gs://b/cat.jpg' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: undefined, name: 'weather', arguments: { city: 'Lyon' } }] },
      { role: 'user', parts: [{ type: 'tool_call_response', id: undefined, response: { temp: 21 } }] },
    ]);
  });

  it('Vercel AI SDK (system + messages with tool parts), Bedrock Converse, a bare prompt; embeddings have none', () => {
    const vercel = readRequestContent(
      {
        system: 'Be exact.',
        messages: [
          { role: 'user', content: 'sum 1 2' },
          { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 't1', toolName: 'sum', input: { a: 1, b: 2 } }] },
          { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', toolName: 'sum', output: { type: 'json', value: 3 } }] },
        ],
      },
      'chat',
    )!;
    assert.deepEqual(vercel.messages.map((m) => m.parts[0]!.type), ['text', 'tool_call', 'tool_call_response']);
    const bedrock = readRequestContent(
      {
        modelId: 'anthropic.claude-3-haiku',
        system: [{ text: 'Short answers.' }],
        messages: [
          { role: 'assistant', content: [{ toolUse: { toolUseId: 'tu1', name: 'search', input: { q: 'x' } } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 'tu1', content: [{ text: 'found' }] } }] },
        ],
      },
      'chat',
    )!;
    assert.deepEqual(bedrock.systemInstructions, [{ type: 'text', content: 'Short answers.' }]);
    assert.deepEqual(bedrock.messages[0]!.parts, [{ type: 'tool_call', id: 'tu1', name: 'search', arguments: { q: 'x' } }]);
    assert.deepEqual(bedrock.messages[1]!.parts, [{ type: 'tool_call_response', id: 'tu1', response: 'found' }]);
    assert.deepEqual(readRequestContent({ model: 'davinci', prompt: 'Once upon' }, 'text_completion')!.messages, [{ role: 'user', parts: [{ type: 'text', content: 'Once upon' }] }]);
    assert.equal(readRequestContent({ model: 'text-embedding-3-small', input: ['a', 'b'] }, 'embeddings'), undefined);
  });
});

describe('responses: id, finish reasons and output messages', () => {
  it('OpenAI Responses API, Gemini candidates, Vercel AI SDK results, Bedrock Converse, legacy completions', () => {
    assert.deepEqual(
      readResponse({ id: 'resp_1', object: 'response', status: 'completed', output: [{ type: 'reasoning', summary: [{ text: 'think' }] }, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi!' }] }] }, true),
      { id: 'resp_1', finishReasons: ['completed'], output: [{ role: 'assistant', parts: [{ type: 'reasoning', content: 'think' }, { type: 'text', content: 'Hi!' }], finish_reason: 'completed' }] },
    );
    assert.deepEqual(readResponse({ id: 'resp_2', object: 'response', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [] }, false), { id: 'resp_2', finishReasons: ['max_output_tokens'] });
    assert.deepEqual(
      readResponse({ responseId: 'g1', candidates: [{ content: { role: 'model', parts: [{ text: 'Bonjour' }] }, finishReason: 'STOP' }, { content: { parts: [{ text: 'Salut' }] }, finishReason: 'MAX_TOKENS' }] }, true),
      {
        id: 'g1',
        finishReasons: ['STOP', 'MAX_TOKENS'],
        output: [
          { role: 'assistant', parts: [{ type: 'text', content: 'Bonjour' }], finish_reason: 'STOP' },
          { role: 'assistant', parts: [{ type: 'text', content: 'Salut' }], finish_reason: 'MAX_TOKENS' },
        ],
      },
    );
    assert.deepEqual(readResponse({ text: 'ok', finishReason: 'tool-calls', content: [{ type: 'text', text: 'ok' }, { type: 'tool-call', toolCallId: 'c', toolName: 't', input: {} }], response: { id: 'aisdk-1' } }, true), {
      id: 'aisdk-1',
      finishReasons: ['tool-calls'],
      output: [{ role: 'assistant', parts: [{ type: 'text', content: 'ok' }, { type: 'tool_call', id: 'c', name: 't', arguments: {} }], finish_reason: 'tool-calls' }],
    });
    assert.deepEqual(readResponse({ output: { message: { role: 'assistant', content: [{ text: 'done' }] } }, stopReason: 'end_turn', usage: {} }, true), {
      finishReasons: ['end_turn'],
      output: [{ role: 'assistant', parts: [{ type: 'text', content: 'done' }], finish_reason: 'end_turn' }],
    });
    assert.deepEqual(readResponse({ id: 'cmpl-1', choices: [{ text: 'completion', finish_reason: 'length' }] }, true), {
      id: 'cmpl-1',
      finishReasons: ['length'],
      output: [{ role: 'assistant', parts: [{ type: 'text', content: 'completion' }], finish_reason: 'length' }],
    });
    assert.deepEqual(readResponse({ id: 'x', choices: [{ message: { content: 'secret' }, finish_reason: 'stop' }] }, false), { id: 'x', finishReasons: ['stop'] }, 'no content without capture');
    assert.deepEqual(readResponse(42, true), {});
  });
});

describe('streams assembled from their chunks', () => {
  it('OpenAI with two choices and a refusal; Anthropic thinking and text; plain text streams', () => {
    const openai = streamed([
      { id: 'c1', choices: [{ index: 0, delta: { content: 'A' } }, { index: 1, delta: { content: 'B' } }] },
      { id: 'c1', choices: [{ index: 1, delta: { refusal: ' no' }, finish_reason: 'stop' }, { index: 0, delta: { content: 'a' }, finish_reason: 'length' }] },
    ]);
    assert.equal(openai.call.responseId, 'c1');
    assert.deepEqual(openai.call.finishReasons, ['length', 'stop']);
    assert.deepEqual(openai.output.map((m) => m.parts), [[{ type: 'text', content: 'Aa' }], [{ type: 'text', content: 'B no' }]]);
    const anthropic = streamed([
      { type: 'message_start', message: { id: 'msg_1', model: 'claude' } },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Yes' } },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' } },
    ]);
    assert.equal(anthropic.call.responseId, 'msg_1');
    assert.deepEqual(anthropic.output, [{ role: 'assistant', parts: [{ type: 'reasoning', content: 'hmm' }, { type: 'text', content: 'Yes' }], finish_reason: 'end_turn' }]);
    assert.deepEqual(streamed(['Hel', 'lo']).output, [{ role: 'assistant', parts: [{ type: 'text', content: 'Hello' }], finish_reason: 'cancelled' }]);
  });

  it('OpenAI Responses events, ending with the complete response', () => {
    const { call, output } = streamed([
      { type: 'response.created', response: { id: 'resp_9' } },
      { type: 'response.output_item.added', output_index: 0, item: { type: 'function_call', call_id: 'fc_9', name: 'search' } },
      { type: 'response.function_call_arguments.delta', output_index: 0, delta: '{"q":' },
      { type: 'response.function_call_arguments.delta', output_index: 0, delta: '"x"}' },
    ]);
    assert.equal(call.responseId, 'resp_9');
    assert.deepEqual(output[0]!.parts, [{ type: 'tool_call', id: 'fc_9', name: 'search', arguments: { q: 'x' } }]);
    const completed = streamed([
      { type: 'response.output_text.delta', delta: 'Hi' },
      { type: 'response.completed', response: { id: 'resp_10', object: 'response', status: 'completed', output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi there' }] }] } },
    ]);
    assert.deepEqual(completed.output, [{ role: 'assistant', parts: [{ type: 'text', content: 'Hi there' }], finish_reason: 'completed' }]);
    assert.deepEqual(completed.call.finishReasons, ['completed']);
  });

  it('Gemini chunks, Vercel AI SDK stream parts, Bedrock ConverseStream events, Ollama chunks', () => {
    assert.deepEqual(
      streamed([{ responseId: 'g', candidates: [{ content: { parts: [{ text: 'Bon' }] } }] }, { candidates: [{ content: { parts: [{ text: 'jour' }, { functionCall: { name: 'f', args: { a: 1 } } }] }, finishReason: 'STOP' }] }]).output,
      [{ role: 'assistant', parts: [{ type: 'text', content: 'Bonjour' }, { type: 'tool_call', name: 'f', arguments: { a: 1 } }], finish_reason: 'STOP' }],
    );
    assert.deepEqual(
      streamed([
        { type: 'text-delta', id: '1', text: 'Sure' },
        { type: 'reasoning-delta', id: 'r', text: 'think' },
        { type: 'tool-call', toolCallId: 'tc', toolName: 'calc', input: { x: 1 } },
        { type: 'finish-step', response: { id: 'aisdk-7' } },
        { type: 'finish', finishReason: 'tool-calls' },
      ]).output,
      [{ role: 'assistant', parts: [{ type: 'text', content: 'Sure' }, { type: 'reasoning', content: 'think' }, { type: 'tool_call', id: 'tc', name: 'calc', arguments: { x: 1 } }], finish_reason: 'tool-calls' }],
    );
    assert.deepEqual(
      streamed([
        { messageStart: { role: 'assistant' } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Looking' } } },
        { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tu', name: 'search' } } } },
        { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '{"q"' } } } },
        { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: ':"y"}' } } } },
        { messageStop: { stopReason: 'tool_use' } },
      ]).output,
      [{ role: 'assistant', parts: [{ type: 'text', content: 'Looking' }, { type: 'tool_call', id: 'tu', name: 'search', arguments: { q: 'y' } }], finish_reason: 'tool_use' }],
    );
    assert.deepEqual(streamed([{ message: { role: 'assistant', content: 'Hi' }, done: false }, { message: { role: 'assistant', content: '!' }, done: true, done_reason: 'stop' }]).output, [
      { role: 'assistant', parts: [{ type: 'text', content: 'Hi!' }], finish_reason: 'stop' },
    ]);
  });

  it('keeps at most maxContentLength characters of a long stream and says it was truncated', () => {
    const chunks = Array.from({ length: 1000 }, () => ({ choices: [{ index: 0, delta: { content: 'word ' } }] }));
    const { output } = streamed(chunks, 100);
    const parts = output[0]!.parts as Array<{ type: string; content: string }>;
    assert.equal(parts[0]!.content.length, 100);
    assert.deepEqual(parts.at(-1), { type: 'text', content: '...[truncated]' });
  });
});

describe('bounded content', () => {
  it('cuts texts, keeps the JSON valid, redacts secret-looking keys in tool arguments, leaves out what is past the budget', () => {
    const isSecret = secretKeyMatcher([]);
    const messages = [
      { role: 'user', parts: [{ type: 'text' as const, content: 'x'.repeat(300) }] },
      { role: 'assistant', parts: [{ type: 'tool_call' as const, id: 'c', name: 'login', arguments: { user: 'bob', password: 'hunter2' } }] },
      { role: 'user', parts: [{ type: 'text' as const, content: 'later' }] },
    ];
    const bounded = boundMessages(messages, 1000, isSecret);
    assert.deepEqual(bounded[1]!.parts[0], { type: 'tool_call', id: 'c', name: 'login', arguments: { user: 'bob', password: '[REDACTED]' } });
    const small = boundMessages(messages, 100, isSecret);
    assert.ok(JSON.stringify(small).length < 400);
    assert.equal(small.length, 1);
    assert.deepEqual(schemaProblems(JSON.parse(JSON.stringify(small)), 'input'), []);
    assert.match((small[0]!.parts[0] as { content: string }).content, /\.\.\.\[truncated\]$/);
  });
});

describe('failure categories and OpenInference provider names', () => {
  it('classifies SDK errors, HTTP statuses, AWS throttling, network errnos and aborts', () => {
    const http = (status: number, extra: object = {}) => Object.assign(new Error('x'), { status, ...extra });
    assert.deepEqual(classifyFailure(http(429, { code: 'rate_limit_exceeded' })), { category: 'rate_limited', status: 429, code: 'rate_limit_exceeded' });
    assert.deepEqual(classifyFailure(http(529, { error: { type: 'error', error: { type: 'overloaded_error' } } })), { category: 'server_error', status: 529, code: 'overloaded_error' });
    assert.deepEqual(classifyFailure(http(400)), { category: 'client_error', status: 400 });
    assert.deepEqual(classifyFailure(http(504)), { category: 'timeout', status: 504 });
    assert.deepEqual(classifyFailure(Object.assign(new Error('slow down'), { name: 'ThrottlingException' })), { category: 'rate_limited' });
    assert.deepEqual(classifyFailure(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } })), { category: 'server_error', status: 503 });
    assert.deepEqual(classifyFailure(new TypeError('fetch failed', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) })), { category: 'network' });
    assert.deepEqual(classifyFailure(Object.assign(new Error('t'), { code: 'ETIMEDOUT' })), { category: 'timeout' });
    class APIConnectionTimeoutError extends Error {}
    assert.deepEqual(classifyFailure(new APIConnectionTimeoutError('Request timed out.')), { category: 'timeout' });
    assert.deepEqual(classifyFailure(new DOMException('aborted', 'AbortError')), { category: 'cancelled' });
    assert.equal(classifyFailure(new RangeError('a bug in the app')), undefined);
  });

  it('maps OTel provider names to OpenInference provider and system values', () => {
    assert.deepEqual(openInferenceProvider('azure.ai.openai', 'gpt-4o'), { provider: 'azure', system: 'openai' });
    assert.deepEqual(openInferenceProvider('gcp.vertex_ai', 'gemini-2.5-pro'), { provider: 'google', system: 'vertexai' });
    assert.deepEqual(openInferenceProvider('aws.bedrock', 'us.anthropic.claude-3-7-sonnet'), { provider: 'aws', system: 'anthropic' });
    assert.deepEqual(openInferenceProvider('aws.bedrock', 'amazon.nova-pro-v1:0'), { provider: 'aws', system: 'amazon' });
    assert.deepEqual(openInferenceProvider('mistral_ai', 'mistral-large'), { provider: 'mistralai', system: 'mistralai' });
    assert.deepEqual(openInferenceProvider('x_ai', 'grok-4'), { provider: 'xai' });
    assert.deepEqual(openInferenceProvider('MyGateway', 'm'), { provider: 'mygateway' });
  });
});
