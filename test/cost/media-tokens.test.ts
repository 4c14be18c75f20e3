import { calcPrice } from '@pydantic/genai-prices';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CostService } from '../../lib/cost/cost.service.js';
import type { CostResult } from '../../lib/cost/cost.types.js';
import { usageFromChunk, usageFromResult } from '../../lib/cost/usage-extractor.js';
import { costConfig } from './fixtures/cost-config.js';

const costs = new CostService(costConfig());
const near = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-15, `${actual} != ${expected}`);
const usd = (result: CostResult) => {
  assert.ok(result.priced, JSON.stringify(result));
  return result.totalUsd;
};

describe('audio and image tokens', () => {
  it('are read from OpenAI usage details (Chat, Realtime/Responses, Images) and Gemini per-modality counts', () => {
    assert.deepEqual(
      usageFromResult({ model: 'gpt-4o-audio-preview', usage: { prompt_tokens: 120, completion_tokens: 90, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 80 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 60 } } }).usage,
      { inputTokens: 120, outputTokens: 90, cacheReadTokens: 0, reasoningTokens: 0, audioInputTokens: 80, audioOutputTokens: 60 },
    );
    assert.deepEqual(
      usageFromResult({ created: 1, data: [{ b64_json: '...' }], usage: { input_tokens: 50, output_tokens: 4160, input_tokens_details: { text_tokens: 10, image_tokens: 40 } } }).usage,
      { inputTokens: 50, outputTokens: 4160, imageInputTokens: 40 },
    );
    assert.deepEqual(
      usageFromChunk({ usageMetadata: { promptTokenCount: 300, candidatesTokenCount: 20, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 100 }, { modality: 'AUDIO', tokenCount: 200 }] } }, undefined).usage,
      { inputTokens: 300, outputTokens: 20, audioInputTokens: 200 },
    );
    assert.equal(usageFromResult({ usage: { prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: { audio_tokens: 0 } } }).usage?.audioInputTokens, undefined, 'zero audio: no field');
  });

  it('are priced at the bundled audio and image rates where the data has them, the same as the price source', () => {
    // gpt-realtime: text $4/$16, audio $32/$64 per 1M tokens.
    const realtime = { inputTokens: 1000, audioInputTokens: 400, outputTokens: 500, audioOutputTokens: 300 };
    const ours = usd(costs.calculate(realtime, { provider: 'openai', model: 'gpt-realtime' }));
    near(ours, (600 * 4 + 400 * 32 + 200 * 16 + 300 * 64) / 1e6);
    const theirs = calcPrice({ input_tokens: 1000, input_audio_tokens: 400, output_tokens: 500, output_audio_tokens: 300 }, 'gpt-realtime', { providerId: 'openai' })!;
    near(ours, Number(theirs.total_price));
    // gpt-image-1: text input $5, image input $10, output (image) $40 per 1M tokens.
    near(usd(costs.calculate({ inputTokens: 50, imageInputTokens: 40, outputTokens: 4160 }, { provider: 'openai', model: 'gpt-image-1' })), (10 * 5 + 40 * 10 + 4160 * 40) / 1e6);
    // A model without audio rates prices audio tokens at its text rates.
    const plain = usd(costs.calculate({ inputTokens: 1000, audioInputTokens: 400, outputTokens: 100 }, { provider: 'openai', model: 'gpt-4o-mini' }));
    near(plain, usd(costs.calculate({ inputTokens: 1000, outputTokens: 100 }, { provider: 'openai', model: 'gpt-4o-mini' })));
  });

  it('never count a token twice: parts beyond their total are capped', () => {
    const capped = usd(costs.calculate({ inputTokens: 100, audioInputTokens: 500, outputTokens: 0 }, { provider: 'openai', model: 'gpt-realtime' }));
    near(capped, (100 * 32) / 1e6);
  });
});
