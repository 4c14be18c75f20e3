import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenUsage } from '../../lib/core/span-scope.js';
import { usageFromChunk, usageFromResult } from '../../lib/cost/usage-extractor.js';
import * as results from './fixtures/provider-results.js';
import * as streams from './fixtures/provider-streams.js';

/** Feeds stream items the way `@TraceProvider` does: each read replaces what it carries. */
function consume(chunks: readonly unknown[]): { usage?: TokenUsage; responseModel?: string } {
  let usage: TokenUsage | undefined;
  let responseModel: string | undefined;
  for (const chunk of chunks) {
    const read = usageFromChunk(chunk, usage);
    usage = read.usage ?? usage;
    responseModel = read.responseModel ?? responseModel;
  }
  return { ...(usage && { usage }), ...(responseModel && { responseModel }) };
}

describe('usageFromResult', () => {
  it('reads OpenAI chat completions: cached and reasoning tokens are parts of the totals', () => {
    assert.deepEqual(usageFromResult(results.openAiChatCompletion), {
      usage: { inputTokens: 1000, outputTokens: 500, cacheReadTokens: 200, reasoningTokens: 64 },
      responseModel: 'gpt-4o-2024-08-06',
    });
  });

  it('reads the OpenAI Responses API', () => {
    assert.deepEqual(usageFromResult(results.openAiResponse), {
      usage: { inputTokens: 1236, outputTokens: 887, cacheReadTokens: 1024, reasoningTokens: 640 },
      responseModel: 'o4-mini-2025-04-16',
    });
  });

  it('reads Anthropic messages, adding cache reads and writes to input_tokens', () => {
    assert.deepEqual(usageFromResult(results.anthropicMessage), {
      usage: { inputTokens: 50 + 3000 + 1200, outputTokens: 400, cacheReadTokens: 3000, cacheWriteTokens: 1200 },
      responseModel: 'claude-sonnet-4-20250514',
    });
  });

  it('reads Gemini usageMetadata: thoughts are reasoning and output', () => {
    assert.deepEqual(usageFromResult(results.geminiResponse), {
      usage: { inputTokens: 2100, outputTokens: 150 + 1074, cacheReadTokens: 2048, reasoningTokens: 1074 },
      responseModel: 'gemini-2.5-flash',
    });
  });

  it('reads the legacy @google/generative-ai result with a nested response', () => {
    assert.deepEqual(usageFromResult(results.geminiLegacyResult), {
      usage: { inputTokens: 12, outputTokens: 30 },
      responseModel: 'gemini-1.5-flash-002',
    });
  });

  it('reads Vercel AI SDK v5 results, preferring totalUsage over the last step', () => {
    assert.deepEqual(usageFromResult(results.vercelV5GenerateText), {
      usage: { inputTokens: 820, outputTokens: 95, cacheReadTokens: 256, reasoningTokens: 12 },
      responseModel: 'gpt-4o-mini-2024-07-18',
    });
  });

  it('reads Vercel AI SDK v6 token details', () => {
    assert.deepEqual(usageFromResult(results.vercelV6GenerateText), {
      usage: { inputTokens: 5000, outputTokens: 700, cacheReadTokens: 4000, cacheWriteTokens: 200, reasoningTokens: 250 },
      responseModel: 'claude-sonnet-4-5-20250929',
    });
  });

  it('reads Vercel AI SDK v4 promptTokens/completionTokens', () => {
    assert.deepEqual(usageFromResult(results.vercelV4GenerateText), {
      usage: { inputTokens: 18, outputTokens: 7 },
      responseModel: 'gpt-4o-2024-08-06',
    });
  });

  it('reads Bedrock Converse, adding the cache counts to inputTokens', () => {
    assert.deepEqual(usageFromResult(results.bedrockConverse), {
      usage: { inputTokens: 4 + 0 + 2014, outputTokens: 77, cacheReadTokens: 0, cacheWriteTokens: 2014 },
    });
  });

  it('reads LangChain usage_metadata and response_metadata.model_name', () => {
    assert.deepEqual(usageFromResult(results.langChainAiMessage), {
      usage: { inputTokens: 350, outputTokens: 240, cacheReadTokens: 100, reasoningTokens: 30 },
      responseModel: 'gpt-4o-mini-2024-07-18',
    });
  });

  it('reads Ollama counters', () => {
    assert.deepEqual(usageFromResult(results.ollamaChat), { usage: { inputTokens: 26, outputTokens: 298 }, responseModel: 'llama3.2' });
  });

  it('reads embeddings usage with no completion tokens as 0 output', () => {
    assert.deepEqual(usageFromResult(results.openAiEmbeddings), {
      usage: { inputTokens: 8, outputTokens: 0 },
      responseModel: 'text-embedding-3-small',
    });
  });

  it('returns nothing for values that carry no usage', () => {
    for (const value of [undefined, null, 42, 'text', [], {}, { usage: null }, { usage: 'lots' }, { choices: [] }]) {
      assert.deepEqual(usageFromResult(value), {}, `for ${JSON.stringify(value)}`);
    }
  });

  it('ignores negative, NaN, infinite and string counts instead of producing NaN', () => {
    const read = usageFromResult({
      model: 'gpt-4o',
      usage: {
        prompt_tokens: '100',
        completion_tokens: 20,
        prompt_tokens_details: { cached_tokens: Number.NaN },
        completion_tokens_details: { reasoning_tokens: -5 },
      },
    });
    assert.deepEqual(read, { usage: { inputTokens: 0, outputTokens: 20 }, responseModel: 'gpt-4o' });
    assert.deepEqual(usageFromResult({ usage: { input_tokens: Number.POSITIVE_INFINITY, output_tokens: -1 } }), {});
    const anthropic = usageFromResult({ type: 'message', usage: { input_tokens: 10, cache_read_input_tokens: null, cache_creation_input_tokens: 'x', output_tokens: 3 } });
    assert.deepEqual(anthropic, { usage: { inputTokens: 10, outputTokens: 3 } });
  });
});

describe('usageFromChunk', () => {
  it('reads the usage chunk of an OpenAI stream with include_usage', () => {
    assert.deepEqual(consume(streams.openAiChatStream), {
      usage: { inputTokens: 9, outputTokens: 12, cacheReadTokens: 0, reasoningTokens: 0 },
      responseModel: 'gpt-4o-mini-2024-07-18',
    });
  });

  it('reads response.completed of an OpenAI Responses stream', () => {
    assert.deepEqual(consume(streams.openAiResponsesStream), {
      usage: { inputTokens: 37, outputTokens: 11, cacheReadTokens: 0, reasoningTokens: 0 },
      responseModel: 'gpt-4.1-2025-04-14',
    });
  });

  it('merges Anthropic message_start (input, cache) with message_delta (cumulative output)', () => {
    assert.deepEqual(consume(streams.anthropicStream), {
      usage: { inputTokens: 25 + 2000 + 500, outputTokens: 15, cacheReadTokens: 2000, cacheWriteTokens: 500 },
      responseModel: 'claude-sonnet-4-20250514',
    });
  });

  it('lets counts repeated in Anthropic message_delta replace those of message_start', () => {
    assert.deepEqual(consume(streams.anthropicServerToolStream), {
      usage: { inputTokens: 10682, outputTokens: 510, cacheReadTokens: 0, cacheWriteTokens: 0 },
      responseModel: 'claude-opus-4-1-20250805',
    });
  });

  it('keeps the last usageMetadata of a Gemini stream', () => {
    assert.deepEqual(consume(streams.geminiStream), {
      usage: { inputTokens: 120, outputTokens: 95 + 800, reasoningTokens: 800 },
      responseModel: 'gemini-2.5-pro',
    });
  });

  it('sums Vercel AI SDK finish-step parts and takes totalUsage from finish', () => {
    const steps = streams.vercelV5FullStream.filter((p) => p.type !== 'finish');
    assert.deepEqual(consume(steps).usage, { inputTokens: 880, outputTokens: 50, cacheReadTokens: 384 });
    assert.deepEqual(consume(streams.vercelV5FullStream), {
      usage: { inputTokens: 880, outputTokens: 50, cacheReadTokens: 384 },
      responseModel: 'gpt-4o-2024-08-06',
    });
  });

  it('reads the Bedrock ConverseStream metadata event', () => {
    assert.deepEqual(consume(streams.bedrockConverseStream), {
      usage: { inputTokens: 1030, outputTokens: 12, cacheReadTokens: 1000, cacheWriteTokens: 0 },
    });
  });

  it('sums LangChain chunk usage increments', () => {
    assert.deepEqual(consume(streams.langChainChunks), {
      usage: { inputTokens: 40, outputTokens: 26 },
      responseModel: 'claude-3-5-haiku-20241022',
    });
  });

  it('reads the final Ollama stream item', () => {
    assert.deepEqual(consume(streams.ollamaStream), { usage: { inputTokens: 26, outputTokens: 282 }, responseModel: 'llama3.2' });
  });

  it('returns no usage for chunks without any, so the previous usage is kept', () => {
    const previous: TokenUsage = { inputTokens: 5, outputTokens: 6 };
    for (const chunk of [null, 'data: [DONE]', Buffer.from('x'), { type: 'ping' }, { type: 'message_delta', delta: {}, usage: {} }, { choices: [], usage: null }]) {
      assert.equal(usageFromChunk(chunk, previous).usage, undefined, `for ${String(chunk)}`);
    }
  });

  it('never yields NaN from odd stream counts', () => {
    const start = usageFromChunk({ type: 'message_start', message: { model: 'm', usage: { input_tokens: Number.NaN, output_tokens: 1 } } }, undefined);
    assert.deepEqual(start.usage, { inputTokens: 0, outputTokens: 1 });
    const delta = usageFromChunk({ type: 'message_delta', usage: { output_tokens: 'many', input_tokens: -3 } }, start.usage);
    assert.equal(delta.usage, undefined);
    const merged = usageFromChunk({ type: 'message_delta', usage: { output_tokens: 9 } }, undefined);
    assert.deepEqual(merged.usage, { inputTokens: 0, outputTokens: 9 });
  });
});
