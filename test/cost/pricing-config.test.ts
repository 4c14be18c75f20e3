import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveTracingConfig } from '../../lib/config/resolve-config.js';
import { TracingConfigError } from '../../lib/config/tracing-config.error.js';
import type { ModelPrice, PricingOptions } from '../../lib/config/tracing-options.interface.js';
import { CostService } from '../../lib/cost/cost.service.js';
import type { CostResult } from '../../lib/cost/cost.types.js';
import { tempDir } from '../support/temp-dir.js';
import { costConfig } from './fixtures/cost-config.js';

const files = tempDir('ai-tracing-pricing');
after(() => files.cleanup());
const dir = files.path;
const pricingFile = (name: string, content: string) => files.file(name, content);

function bootError(pricing: PricingOptions): string {
  try {
    new CostService(costConfig(pricing));
  } catch (error) {
    assert.ok(error instanceof TracingConfigError, `expected a TracingConfigError, got ${String(error)}`);
    return error.message;
  }
  return assert.fail('expected the pricing configuration to be rejected');
}

const ALLOWED_PRICE = 'expected a finite number >= 0 (USD per 1M tokens)';
const gpt4o: ModelPrice = { provider: 'openai', model: 'gpt-4o', input: 2.5, output: 10 };

describe('pricing configuration errors', () => {
  it('names the entry, the bad value and what is allowed for a negative price', () => {
    assert.equal(
      bootError({ models: [gpt4o, { provider: 'anthropic', model: 'claude-x', input: -1, output: 5 }] }),
      `nestjs-ai-tracing: invalid pricing.models[1] (provider "anthropic", model "claude-x") input=-1: ${ALLOWED_PRICE}`,
    );
  });

  it('rejects non-numeric and non-finite prices', () => {
    const asString = { ...gpt4o, output: '10' } as unknown as ModelPrice;
    assert.equal(
      bootError({ models: [asString] }),
      `nestjs-ai-tracing: invalid pricing.models[0] (provider "openai", model "gpt-4o") output="10": ${ALLOWED_PRICE}`,
    );
    assert.equal(
      bootError({ models: [{ ...gpt4o, cacheRead: Number.NaN }] }),
      `nestjs-ai-tracing: invalid pricing.models[0] (provider "openai", model "gpt-4o") cacheRead=NaN: ${ALLOWED_PRICE}`,
    );
    assert.equal(
      bootError({ models: [{ ...gpt4o, reasoning: Number.POSITIVE_INFINITY }] }),
      `nestjs-ai-tracing: invalid pricing.models[0] (provider "openai", model "gpt-4o") reasoning=Infinity: ${ALLOWED_PRICE}`,
    );
  });

  it('rejects a missing provider, an empty model and unknown fields', () => {
    assert.equal(
      bootError({ models: [{ model: 'x', input: 1, output: 1 } as unknown as ModelPrice] }),
      'nestjs-ai-tracing: invalid pricing.models[0] (model "x") provider=undefined: expected a non-empty provider name such as "openai"',
    );
    assert.equal(
      bootError({ models: [{ ...gpt4o, model: '' }] }),
      'nestjs-ai-tracing: invalid pricing.models[0] (provider "openai", model "") model="": expected an exact model name (non-empty string) or a RegExp',
    );
    assert.equal(
      bootError({ models: [{ ...gpt4o, cache_read: 1.25 } as unknown as ModelPrice] }),
      'nestjs-ai-tracing: invalid pricing.models[0] (provider "openai", model "gpt-4o") cache_read=1.25: ' +
        'expected only the fields provider, model, input, output, cacheRead, cacheWrite, reasoning',
    );
  });

  it('rejects a bad regular expression in the pricing file', () => {
    const file = pricingFile('bad-regex.json', JSON.stringify([gpt4o, { provider: 'openai', model: '/gpt-(4o/', input: 1, output: 2 }]));
    assert.equal(
      bootError({ file }),
      `nestjs-ai-tracing: invalid pricing file ${file} entry [1] (provider "openai", model "/gpt-(4o/") model="/gpt-(4o/": ` +
        'expected an exact model name or a "/pattern/flags" regular expression (Invalid regular expression: /gpt-(4o/: Unterminated group)',
    );
  });

  it('rejects an unreadable pricing file', () => {
    const file = join(dir, 'missing.json');
    assert.equal(
      bootError({ file }),
      `nestjs-ai-tracing: cannot read pricing file ${file} (option pricing.file or TRACING_PRICING_FILE): ` +
        `ENOENT: no such file or directory, open '${file}'`,
    );
  });

  it('rejects a malformed pricing file', () => {
    const file = pricingFile('malformed.json', '[{ "provider": "openai", ');
    let detail = '';
    try {
      JSON.parse('[{ "provider": "openai", ');
    } catch (error) {
      detail = (error as Error).message;
    }
    assert.equal(
      bootError({ file }),
      `nestjs-ai-tracing: invalid pricing file ${file}: expected a JSON array of ` +
        `{ provider, model, input, output, cacheRead?, cacheWrite?, reasoning? } (USD per 1M tokens): ${detail}`,
    );
    const notArray = pricingFile('object.json', JSON.stringify({ models: [gpt4o] }));
    assert.match(bootError({ file: notArray }), /^nestjs-ai-tracing: invalid pricing file .*object\.json: expected a JSON array of .*: got object$/);
  });

  it('reads TRACING_PRICING_FILE through the config resolver', () => {
    const file = pricingFile('env-negative.json', JSON.stringify([{ provider: 'openai', model: 'gpt-4o', input: 2.5, output: -10 }]));
    const config = resolveTracingConfig({ exporter: 'none' }, (name) => (name === 'TRACING_PRICING_FILE' ? file : undefined));
    assert.throws(
      () => new CostService(config),
      new TracingConfigError(
        `nestjs-ai-tracing: invalid pricing file ${file} entry [0] (provider "openai", model "gpt-4o") output=-10: ${ALLOWED_PRICE}`,
      ),
    );
  });
});

describe('pricing file', () => {
  it('prices exact and "/pattern/flags" entries; options win over the file', () => {
    const file = pricingFile(
      'prices.json',
      JSON.stringify([
        { provider: 'openai', model: 'gpt-4o', input: 100, output: 100 },
        { provider: 'acme', model: '/^acme-(small|large)$/i', input: 1, output: 2, cacheRead: 0.1 },
      ]),
    );
    const service = new CostService(costConfig({ file, models: [gpt4o] }));
    const cost = (r: CostResult) => (r.priced ? r.totalUsd : Number.NaN);
    assert.equal(cost(service.calculate({ inputTokens: 1000, outputTokens: 500 }, { provider: 'openai', model: 'gpt-4o' })), 0.0075);
    assert.equal(
      cost(service.calculate({ inputTokens: 1000, cacheReadTokens: 500, outputTokens: 1000 }, { provider: 'acme', model: 'ACME-Large' })),
      (500 * 1 + 500 * 0.1 + 1000 * 2) / 1e6,
    );
    assert.equal(service.calculate({ inputTokens: 1, outputTokens: 1 }, { provider: 'acme', model: 'acme-medium' }).priced, false);
  });
});
