import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { TracingModuleOptions } from '../../lib/index.js';
import { CostAttributes, GenAiAttributes } from '../../lib/semconv.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { near } from '../support/assertions.js';
import { configuredBy } from '../support/config-service.js';
import { tempDir } from '../support/temp-dir.js';
import { spanNamed, type TracedApp } from '../support/tracing-harness.js';
import { openAiResult, ProviderCalls } from './fixtures/provider-calls.js';

/**
 * The cost settings shown on a provider span of a real app: `TRACING_COST_TRACKING` and `TRACING_PRICING_FILE`
 * read through ConfigService, `pricing.deployments` and `pricing.bundled` as options.
 */
const apps = tracedAppPerTest({ listen: false });
const files = tempDir('ai-tracing-cost-settings');
after(() => files.cleanup());
const calls = new ProviderCalls();

/** gpt-4o-mini answering 1,000 input (200 cached) and 500 output tokens. */
const answer = openAiResult('gpt-4o-mini-2024-07-18', 1000, 500, 200);
/** Its bundled price: 0.15 input, 0.075 cache read, 0.60 output (USD per 1M). */
const BUNDLED_USD = (800 * 0.15 + 200 * 0.075 + 500 * 0.6) / 1e6;

async function bootWith(variables: Record<string, string>, options: TracingModuleOptions = {}): Promise<TracedApp> {
  return apps.boot(await configuredBy(variables, { exporter: 'memory', ...options }));
}

async function call(app: TracedApp, provider: string, model: string, result: unknown = answer): Promise<Record<string, unknown>> {
  await calls.complete({ provider, model, result });
  return spanNamed(app.spans(), `chat ${model}`).attributes;
}

describe('cost settings on a real app', () => {
  it('TRACING_COST_TRACKING=false keeps the tokens and drops every cost attribute (control: priced when unset)', async () => {
    const priced = await call(await bootWith({}), 'openai', 'gpt-4o-mini');
    near(priced[CostAttributes.USD], BUNDLED_USD);
    const app = await bootWith({ TRACING_COST_TRACKING: 'false' });
    const a = await call(app, 'openai', 'gpt-4o-mini');
    assert.equal(a[GenAiAttributes.USAGE_INPUT_TOKENS], 1000);
    assert.deepEqual(Object.keys(a).filter((key) => key.startsWith('cost.') || key === GenAiAttributes.USAGE_COST), []);
  });

  it('TRACING_PRICING_FILE prices the calls from the file, over the bundled price', async () => {
    const file = files.file('prices.json', JSON.stringify([{ provider: 'openai', model: '/^gpt-4o-mini/', input: 1, cacheRead: 0.5, output: 2 }]));
    const a = await call(await bootWith({ TRACING_PRICING_FILE: file }), 'openai', 'gpt-4o-mini');
    assert.equal(a[CostAttributes.SOURCE], 'custom');
    near(a[CostAttributes.USD], (800 * 1 + 200 * 0.5 + 500 * 2) / 1e6);
  });

  it('pricing.deployments prices a deployment name as the model it runs (control: unpriced without it)', async () => {
    // The deployment answers under its own name, as a gateway may: only the alias says what it runs.
    const deployed = openAiResult('support-bot-prod', 1000, 500, 200);
    const unpriced = await call(await bootWith({}), 'azure.ai.openai', 'support-bot-prod', deployed);
    assert.equal(unpriced[CostAttributes.PRICED], false);
    const app = await bootWith({}, { pricing: { deployments: { 'support-bot-prod': { provider: 'openai', model: 'gpt-4o-mini' } } } });
    const a = await call(app, 'azure.ai.openai', 'support-bot-prod', deployed);
    assert.equal(a[CostAttributes.PRICED], true);
    near(a[CostAttributes.USD], BUNDLED_USD);
  });

  it('pricing.bundled=false leaves a model only the bundled table knows unpriced', async () => {
    const a = await call(await bootWith({}, { pricing: { bundled: false } }), 'openai', 'gpt-4o-mini');
    assert.equal(a[CostAttributes.PRICED], false);
    assert.equal(a[CostAttributes.USD], undefined);
  });
});
