import { calcPrice, findProvider } from '@pydantic/genai-prices';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import type { TokenUsage } from '../../lib/core/span-scope.js';
import { BUNDLED_SOURCE, GENAI_PRICES_VERSION } from '../../lib/cost/bundled-prices.js';
import { CostService } from '../../lib/cost/cost.service.js';
import type { CostResult } from '../../lib/cost/cost.types.js';
import { usageFromResult } from '../../lib/cost/usage-extractor.js';
import { near as nearly } from '../support/assertions.js';
import { captureWarnings, costConfig } from './fixtures/cost-config.js';
import { anthropicMessage, openAiResponse } from './fixtures/provider-results.js';

const bundled = new CostService(costConfig());
const GPT4O_CALL: TokenUsage = { inputTokens: 1000, cacheReadTokens: 200, outputTokens: 500 };

function priced(result: CostResult): Extract<CostResult, { priced: true }> {
  assert.equal(result.priced, true, `expected a price, got ${JSON.stringify(result)}`);
  return result as Extract<CostResult, { priced: true }>;
}

/** Prices here are exact to 1e-15 USD unless a test says otherwise. */
const near = (actual: number, expected: number, tolerance = 1e-15) => nearly(actual, expected, tolerance);

describe('CostService.calculate: arithmetic', () => {
  it('prices openai gpt-4o: 1,000 input of which 200 cached, 500 output = $0.00725 (bundled 2.50/1.25/10.00)', () => {
    const cost = priced(bundled.calculate(GPT4O_CALL, { provider: 'openai', model: 'gpt-4o' }));
    assert.equal(cost.totalUsd, 0.00725);
    near(cost.inputUsd, (800 * 2.5 + 200 * 1.25) / 1e6);
    near(cost.outputUsd, (500 * 10) / 1e6);
    assert.equal(cost.source, BUNDLED_SOURCE);
  });

  it('gives the same $0.00725 from an equal custom price', () => {
    const service = new CostService(costConfig({ models: [{ provider: 'openai', model: 'gpt-4o', input: 2.5, cacheRead: 1.25, output: 10 }] }));
    const cost = priced(service.calculate(GPT4O_CALL, { provider: 'openai', model: 'gpt-4o' }));
    assert.equal(cost.totalUsd, 0.00725);
    assert.equal(cost.source, 'custom');
  });

  it('prices an Anthropic response with cache reads and writes at their own rates (claude-sonnet-4: 3/3.75/0.30/15)', () => {
    const { usage, responseModel } = usageFromResult(anthropicMessage);
    const cost = priced(bundled.calculate(usage!, { provider: 'anthropic', model: responseModel! }));
    // 50 uncached x 3 + 1,200 cache writes x 3.75 + 3,000 cache reads x 0.30 + 400 output x 15, per 1M.
    near(cost.inputUsd, (50 * 3 + 1200 * 3.75 + 3000 * 0.3) / 1e6);
    near(cost.outputUsd, (400 * 15) / 1e6);
    near(cost.totalUsd, 0.01155);
  });

  it('prices reasoning tokens at the reasoning rate of a custom price', () => {
    const service = new CostService(
      costConfig({ models: [{ provider: 'openai', model: 'o4-mini', input: 1.1, cacheRead: 0.275, output: 4.4, reasoning: 8.8 }] }),
    );
    const { usage } = usageFromResult(openAiResponse);
    const cost = priced(service.calculate(usage!, { provider: 'openai', model: 'o4-mini' }));
    // (1,236 - 1,024) x 1.1 + 1,024 x 0.275 + (887 - 640) x 4.4 + 640 x 8.8, per 1M.
    near(cost.inputUsd, 0.0005148);
    near(cost.outputUsd, 0.0067188);
    near(cost.totalUsd, 0.0072336);
  });

  it('prices reasoning tokens as output when the bundled price has no reasoning rate (o4-mini: 1.10/0.275/4.40)', () => {
    const { usage, responseModel } = usageFromResult(openAiResponse);
    const cost = priced(bundled.calculate(usage!, { provider: 'openai', model: responseModel! }));
    near(cost.totalUsd, (212 * 1.1 + 1024 * 0.275 + 887 * 4.4) / 1e6);
  });

  it('lets a custom ModelPrice beat the bundled price, for dated snapshots of the name too', () => {
    const service = new CostService(costConfig({ models: [{ provider: 'openai', model: 'gpt-4o', input: 2, output: 8 }] }));
    const cost = priced(service.calculate(GPT4O_CALL, { provider: 'openai', model: 'gpt-4o-2024-08-06' }));
    assert.equal(cost.source, 'custom');
    // No cacheRead rate given: cache reads cost the input rate.
    near(cost.totalUsd, (1000 * 2 + 500 * 8) / 1e6);
  });

  it('matches a RegExp entry (fine-tuned model names)', () => {
    const service = new CostService(costConfig({ models: [{ provider: 'openai', model: /^ft:gpt-4o-mini:/, input: 0.3, output: 1.2 }] }));
    const cost = priced(service.calculate({ inputTokens: 1000, outputTokens: 500 }, { provider: 'openai', model: 'ft:gpt-4o-mini:acme::9x7Yz' }));
    near(cost.totalUsd, 0.0009);
    assert.equal(cost.source, 'custom');
  });

  it('prices a deployment alias as its real provider/model (bundled gpt-4o-mini: 0.15/0.075/0.60)', () => {
    const service = new CostService(costConfig({ deployments: { 'prod-chat': { provider: 'openai', model: 'gpt-4o-mini' } } }));
    const cost = priced(service.calculate(GPT4O_CALL, { provider: 'azure.ai.openai', model: 'prod-chat' }));
    near(cost.totalUsd, (800 * 0.15 + 200 * 0.075 + 500 * 0.6) / 1e6);
  });

  it('falls back to the request model when the response model has no price', () => {
    const service = new CostService(costConfig({ models: [{ provider: 'acme', model: 'acme-large', input: 1, output: 2 }] }));
    const cost = priced(service.calculate({ inputTokens: 1000, outputTokens: 1000 }, { provider: 'acme', model: 'acme-large-build-77', fallbackModel: 'acme-large' }));
    near(cost.totalUsd, 0.003);
  });

  it('applies tiered prices from the total input (gemini-2.5-pro: 1.25/10 up to 200k input, 2.50/15 above)', () => {
    const small = priced(bundled.calculate({ inputTokens: 100_000, outputTokens: 1000 }, { provider: 'gcp.gemini', model: 'gemini-2.5-pro' }));
    near(small.totalUsd, (100_000 * 1.25 + 1000 * 10) / 1e6);
    const large = priced(bundled.calculate({ inputTokens: 300_000, outputTokens: 1000 }, { provider: 'gcp.gemini', model: 'gemini-2.5-pro' }));
    near(large.totalUsd, (300_000 * 2.5 + 1000 * 15) / 1e6);
  });

  it('uses the price in force at `at` (o3 dropped from 10/40 to 2/8 on 2025-06-10)', () => {
    const usage = { inputTokens: 1000, outputTokens: 500 };
    near(priced(bundled.calculate(usage, { provider: 'openai', model: 'o3', at: new Date('2025-05-01T00:00:00Z') })).totalUsd, 0.03);
    near(priced(bundled.calculate(usage, { provider: 'openai', model: 'o3', at: new Date('2025-07-01T00:00:00Z') })).totalUsd, 0.006);
  });
});

describe('CostService.calculate: model resolution', () => {
  const cases: Array<[string, string, string]> = [
    ['openai', 'gpt-4o-2024-08-06', 'dated snapshot in the data'],
    ['openai', 'gpt-4o-2099-01-01', 'dated snapshot not in the data'],
    ['openai', 'openai/gpt-4o', 'provider/ prefix'],
    ['azure.ai.openai', 'gpt-4o', 'OTel Azure OpenAI provider name'],
    ['unknown', 'gpt-4o', 'unknown provider: matched by model name'],
  ];
  for (const [provider, model, what] of cases) {
    it(`prices ${provider} ${model} like openai gpt-4o (${what})`, () => {
      assert.equal(priced(bundled.calculate(GPT4O_CALL, { provider, model })).totalUsd, 0.00725);
    });
  }

  it('maps OTel provider names to the price data: Vertex AI (Claude), Bedrock, Gemini models/ prefix', () => {
    const usage = { inputTokens: 1000, outputTokens: 500 };
    const sonnet = (1000 * 3 + 500 * 15) / 1e6;
    near(priced(bundled.calculate(usage, { provider: 'gcp.vertex_ai', model: 'claude-3-5-sonnet-v2@20241022' })).totalUsd, sonnet);
    near(priced(bundled.calculate(usage, { provider: 'aws.bedrock', model: 'anthropic.claude-3-5-sonnet-20241022-v2:0' })).totalUsd, sonnet);
    near(priced(bundled.calculate(usage, { provider: 'gcp.gemini', model: 'models/gemini-2.5-flash' })).totalUsd, (1000 * 0.3 + 500 * 2.5) / 1e6);
  });

  it('prices well-known bundled models', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
    const expected: Array<[string, string, number]> = [
      ['openai', 'gpt-4o-mini', 0.15 + 0.6],
      ['anthropic', 'claude-3-5-haiku-latest', 0.8 + 4],
      ['gcp.gemini', 'gemini-2.5-flash', 0.3 + 2.5],
      ['mistral_ai', 'mistral-large-latest', 2 + 6],
    ];
    for (const [provider, model, usd] of expected) near(priced(bundled.calculate(usage, { provider, model })).totalUsd, usd, 1e-12);
  });

  it('leaves an unknown model unpriced with a reason, warning once, never $0 or NaN', async () => {
    const service = new CostService(costConfig());
    const { result, warnings } = await captureWarnings(() => [
      service.calculate(GPT4O_CALL, { provider: 'openai', model: 'gpt-99' }),
      service.calculate(GPT4O_CALL, { provider: 'openai', model: 'gpt-99' }),
    ]);
    for (const r of result) assert.deepEqual(r, { priced: false, reason: 'no price for provider "openai" model "gpt-99"' });
    assert.deepEqual(warnings, [
      'nestjs-ai-tracing: no price for provider "openai" model "gpt-99"; its calls get cost.priced=false and no cost. ' +
        'Add a price with pricing.models or TRACING_PRICING_FILE (USD per 1M tokens), or map a deployment name with pricing.deployments.',
    ]);
  });

  it('does not use bundled prices with pricing.bundled=false', () => {
    const service = new CostService(costConfig({ bundled: false }));
    assert.equal(service.calculate(GPT4O_CALL, { provider: 'openai', model: 'gpt-4o' }).priced, false);
  });

  it('prices nothing, and reads no pricing file, with costTracking=false', () => {
    const service = new CostService(costConfig({ file: '/nonexistent/prices.json' }, false));
    assert.deepEqual(service.calculate(GPT4O_CALL, { provider: 'openai', model: 'gpt-4o' }), {
      priced: false,
      reason: 'cost tracking is off (costTracking: false or TRACING_COST_TRACKING=false)',
    });
  });

  it('handles odd input without throwing, NaN or negative cost', () => {
    const odd = [
      { inputTokens: Number.NaN, outputTokens: 10 },
      { inputTokens: -100, outputTokens: Number.POSITIVE_INFINITY },
      { inputTokens: 100, outputTokens: 10, cacheReadTokens: 500, cacheWriteTokens: 500, reasoningTokens: 99 },
      { inputTokens: '100', outputTokens: null } as unknown as TokenUsage,
    ];
    for (const usage of odd) {
      const cost = priced(bundled.calculate(usage, { provider: 'openai', model: 'gpt-4o' }));
      for (const v of [cost.totalUsd, cost.inputUsd, cost.outputUsd]) assert.ok(Number.isFinite(v) && v >= 0, `${JSON.stringify(usage)} -> ${v}`);
    }
    // Cache counts above the input are capped at the input: 100 cache reads at 1.25, 10 output at 10.
    near(priced(bundled.calculate(odd[2]!, { provider: 'openai', model: 'gpt-4o' })).totalUsd, (100 * 1.25 + 10 * 10) / 1e6);
    assert.equal(bundled.calculate(GPT4O_CALL, { provider: 'openai', model: '' }).priced, false);
    assert.equal(bundled.calculate(GPT4O_CALL, undefined as unknown as { provider: string; model: string }).priced, false);
  });

  it('reports usage whose getter throws as a pricing failure, whatever was thrown', () => {
    const throwing = (thrown: unknown) =>
      Object.defineProperty({ outputTokens: 10 }, 'inputTokens', {
        get() {
          throw thrown;
        },
      }) as unknown as TokenUsage;
    const target = { provider: 'openai', model: 'gpt-4o' };
    assert.deepEqual(bundled.calculate(throwing(new RangeError('bad count')), target), { priced: false, reason: 'pricing failed: bad count' });
    // A value String() cannot convert (a null-prototype object) still gives a reason, not an exception.
    const result = bundled.calculate(throwing(Object.create(null)), target);
    assert.equal(result.priced, false);
    assert.match((result as { reason: string }).reason, /^pricing failed: /);
  });
});

describe('bundled price data', () => {
  it('is the pinned @pydantic/genai-prices version', () => {
    const require = createRequire(import.meta.url);
    const main = require.resolve('@pydantic/genai-prices');
    const pkg = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version: string };
    assert.equal(pkg.version, GENAI_PRICES_VERSION);
    assert.equal(BUNDLED_SOURCE, `genai-prices@${pkg.version}`);
  });

  it('agrees with genai-prices calcPrice on every model of the main providers', () => {
    const at = new Date('2026-01-15T12:00:00Z');
    const usages: TokenUsage[] = [
      { inputTokens: 12_345, cacheReadTokens: 2_000, cacheWriteTokens: 1_000, outputTokens: 3_456, reasoningTokens: 1_000 },
      { inputTokens: 300_000, cacheReadTokens: 100_000, outputTokens: 8_000 },
    ];
    let compared = 0;
    for (const providerId of ['openai', 'anthropic', 'google', 'azure', 'aws', 'mistral', 'groq', 'deepseek', 'x-ai']) {
      for (const model of findProvider({ providerId })?.models ?? []) {
        for (const u of usages) {
          const libUsage = {
            input_tokens: u.inputTokens,
            cache_read_tokens: u.cacheReadTokens,
            cache_write_tokens: u.cacheWriteTokens,
            output_tokens: u.outputTokens,
            output_reasoning_tokens: u.reasoningTokens,
          };
          let expected: ReturnType<typeof calcPrice>;
          try {
            expected = calcPrice(libUsage, model.id, { providerId, timestamp: at });
          } catch {
            continue; // the library rejects this usage for this model (e.g. a unit it requires)
          }
          if (!expected || (expected.model_price.input_mtok === undefined && expected.model_price.output_mtok === undefined)) continue;
          const ours = priced(bundled.calculate(u, { provider: providerId, model: model.id, at }));
          const tolerance = 1e-12 * Math.max(1, expected.total_price);
          near(ours.totalUsd, expected.total_price, tolerance);
          near(ours.inputUsd, expected.input_price, tolerance);
          near(ours.outputUsd, expected.output_price, tolerance);
          compared += 1;
        }
      }
    }
    assert.ok(compared > 300, `compared only ${compared} prices`);
  });
});
