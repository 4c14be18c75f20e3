import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CostService } from '../../lib/index.js';
import { CostAttributes, GenAiAttributes, GenAiMetrics, OpenInferenceAttributes } from '../../lib/semconv.js';
import { unpricedNoUsage } from '../../lib/tracing.messages.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { near } from '../support/assertions.js';
import { descendantsOf, indexChildren, spanNamed, type TracedApp } from '../support/tracing-harness.js';
import { openAiResult, Pipeline, ProviderCalls } from './fixtures/provider-calls.js';
import { anthropicMessage, openAiChatCompletion } from './fixtures/provider-results.js';
import { anthropicStream } from './fixtures/provider-streams.js';

/**
 * What a `@TraceProvider` call becomes once it ends: token, cost and throughput attributes, rollups on every
 * ancestor, the cost report, forecasts and metrics. Everything goes through the real decorators and the module's
 * cost recorder; the "SDK" is a method returning a documented provider answer.
 */
const apps = tracedAppPerTest({ listen: false });
const calls = new ProviderCalls();
const pipeline = new Pipeline();

/** Sum of `cost.usd` over `spans` (provider spans below an ancestor). */
function costOf(spans: ReadableSpan[]): number {
  return spans.reduce((sum, s) => sum + ((s.attributes[CostAttributes.USD] as number | undefined) ?? 0), 0);
}

async function consume(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const chunk of stream) void chunk;
}

/** USD of the Anthropic stream at claude-sonnet-4 prices: 25 uncached x 3, 2,000 cache reads x 0.30, 500 writes x 3.75, 15 out x 15. */
const ANTHROPIC_STREAM_USD = (25 * 3 + 2000 * 0.3 + 500 * 3.75 + 15 * 15) / 1e6;

describe('a priced provider call', () => {
  it('writes token, cost and throughput attributes on its span', async () => {
    const app = await apps.boot();
    await calls.complete({ provider: 'openai', model: 'gpt-4o', result: openAiChatCompletion });
    const a = spanNamed(app.spans(), 'chat gpt-4o').attributes;
    assert.equal(a[GenAiAttributes.USAGE_INPUT_TOKENS], 1000);
    assert.equal(a[GenAiAttributes.USAGE_OUTPUT_TOKENS], 500);
    assert.equal(a[GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS], 200);
    assert.equal(a[GenAiAttributes.USAGE_REASONING_OUTPUT_TOKENS], 64);
    assert.equal(a[GenAiAttributes.USAGE_CACHE_CREATION_INPUT_TOKENS], undefined);
    assert.equal(a[GenAiAttributes.RESPONSE_MODEL], 'gpt-4o-2024-08-06');
    assert.equal(a[OpenInferenceAttributes.LLM_TOKEN_COUNT_PROMPT], 1000);
    assert.equal(a[OpenInferenceAttributes.LLM_TOKEN_COUNT_COMPLETION], 500);
    assert.equal(a[OpenInferenceAttributes.LLM_TOKEN_COUNT_TOTAL], 1500);
    assert.equal(a[OpenInferenceAttributes.LLM_TOKEN_COUNT_PROMPT_CACHE_READ], 200);
    assert.equal(a[OpenInferenceAttributes.LLM_TOKEN_COUNT_COMPLETION_REASONING], 64);
    assert.equal(a[GenAiAttributes.USAGE_COST], 0.00725);
    assert.equal(a[OpenInferenceAttributes.LLM_COST_PROMPT], 0.00225);
    assert.equal(a[OpenInferenceAttributes.LLM_COST_COMPLETION], 0.005);
    assert.equal(a[OpenInferenceAttributes.LLM_COST_TOTAL], 0.00725);
    assert.equal(a[CostAttributes.USD], 0.00725);
    assert.equal(a[CostAttributes.CURRENCY], 'USD');
    assert.equal(a[CostAttributes.PRICED], true);
    assert.equal(a[CostAttributes.SOURCE], 'genai-prices@0.1.8');
    near(a[CostAttributes.USD_PER_1K_TOKENS], (0.00725 * 1000) / 1500);
    const perSecond = a[CostAttributes.OUTPUT_TOKENS_PER_SECOND];
    assert.ok(typeof perSecond === 'number' && Number.isFinite(perSecond) && perSecond > 0);
    assert.equal(a[GenAiAttributes.REQUEST_STREAM], undefined);
    assert.equal(a[CostAttributes.TOTAL_USD], undefined, 'provider spans carry cost.usd, not rollups');
  });

  it('merges Anthropic stream usage and records stream timing', async () => {
    const app = await apps.boot();
    await consume(calls.stream({ provider: 'anthropic', model: 'claude-sonnet-4-0', result: anthropicStream }));
    const a = spanNamed(app.spans(), 'chat claude-sonnet-4-0').attributes;
    assert.equal(a[GenAiAttributes.REQUEST_STREAM], true);
    const ttfc = a[GenAiAttributes.RESPONSE_TIME_TO_FIRST_CHUNK];
    assert.ok(typeof ttfc === 'number' && ttfc >= 0);
    assert.equal(a[GenAiAttributes.USAGE_INPUT_TOKENS], 2525);
    assert.equal(a[GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS], 2000);
    assert.equal(a[GenAiAttributes.USAGE_CACHE_CREATION_INPUT_TOKENS], 500);
    assert.equal(a[OpenInferenceAttributes.LLM_TOKEN_COUNT_PROMPT_CACHE_WRITE], 500);
    assert.equal(a[GenAiAttributes.USAGE_OUTPUT_TOKENS], 15);
    assert.equal(a[GenAiAttributes.RESPONSE_MODEL], 'claude-sonnet-4-20250514');
    near(a[CostAttributes.USD], ANTHROPIC_STREAM_USD);
  });
});

describe('the usage option of @TraceProvider', () => {
  it('reads usage from a result no built-in reader knows: tokens, price and rollup come from it', async () => {
    const app = await apps.boot({ tracing: { pricing: { models: [{ provider: 'acme', model: 'acme-large', input: 2, output: 8, cacheRead: 0.5 }] } } });
    const answer = await pipeline.run('job-acme', () => calls.acme({ model: 'acme-large', tokens: { in: 1200, out: 300, cached: 200 } }));
    assert.deepEqual(answer, { text: 'done', tokens: { in: 1200, out: 300, cached: 200 } }, 'the result is untouched');
    const spans = app.spans();
    const a = spanNamed(spans, 'chat acme-large').attributes;
    assert.equal(a[GenAiAttributes.USAGE_INPUT_TOKENS], 1200);
    assert.equal(a[GenAiAttributes.USAGE_OUTPUT_TOKENS], 300);
    assert.equal(a[GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS], 200);
    assert.equal(a[CostAttributes.PRICED], true);
    assert.equal(a[CostAttributes.SOURCE], 'custom');
    const usd = (1000 * 2 + 200 * 0.5 + 300 * 8) / 1e6;
    near(a[CostAttributes.USD], usd);
    const workflow = spanNamed(spans, 'invoke_workflow research').attributes;
    near(workflow[CostAttributes.TOTAL_USD], usd);
    assert.equal(workflow[CostAttributes.INPUT_TOKENS], 1200);
    assert.equal(workflow[CostAttributes.UNPRICED_CALLS], 0);
  });
});

describe('a provider call without readable usage', () => {
  it('counts as an unpriced call when it succeeded: no cost number, a reason, and ancestors show they are incomplete', async () => {
    const app = await apps.boot();
    const answer = { text: 'an answer from an SDK that reports no usage' };
    assert.equal(await pipeline.run('job-no-usage', () => calls.complete({ provider: 'openai', model: 'gpt-4o', result: answer })), answer);
    const spans = app.spans();
    const a = spanNamed(spans, 'chat gpt-4o').attributes;
    assert.equal(a[CostAttributes.PRICED], false);
    assert.equal(a[CostAttributes.UNPRICED_REASON], unpricedNoUsage());
    for (const key of [CostAttributes.USD, GenAiAttributes.USAGE_COST, GenAiAttributes.USAGE_INPUT_TOKENS, GenAiAttributes.USAGE_OUTPUT_TOKENS]) {
      assert.equal(a[key], undefined, key);
    }
    const workflow = spanNamed(spans, 'invoke_workflow research').attributes;
    assert.equal(workflow[CostAttributes.LLM_CALLS], 1);
    assert.equal(workflow[CostAttributes.UNPRICED_CALLS], 1, 'the total is a lower bound');
    assert.equal(workflow[CostAttributes.TOTAL_USD], 0);
    const costs = app.app.get(CostService);
    assert.deepEqual(
      costs.report({ groupBy: ['model'] }).map((r) => [r.key.model, r.calls, r.unpricedCalls]),
      [['gpt-4o', 1, 1]],
    );
    const forecast = costs.forecast({ workflow: 'research', runs: 10 });
    assert.equal(forecast.available, false, 'a run with an unpriced call says nothing about what a run costs');
  });

  it('costs nothing and counts as no call when it failed', async () => {
    const app = await apps.boot();
    const error = new Error('connection reset');
    await assert.rejects(
      pipeline.run('job-failed', () => calls.fail({ provider: 'openai', model: 'gpt-4o', error })),
      (thrown) => thrown === error,
    );
    const spans = app.spans();
    const a = spanNamed(spans, 'chat gpt-4o').attributes;
    assert.equal(a[CostAttributes.PRICED], undefined);
    assert.equal(a[CostAttributes.UNPRICED_REASON], undefined);
    const workflow = spanNamed(spans, 'invoke_workflow research').attributes;
    assert.equal(workflow[CostAttributes.LLM_CALLS], undefined, 'no rollup: no call counted');
    assert.deepEqual(app.app.get(CostService).report({ groupBy: [] }), []);
  });
});

describe('rollups', () => {
  it('mark an unknown model unpriced with a reason and no cost number; ancestors count it', async () => {
    const app = await apps.boot();
    await pipeline.node('mixed', () =>
      Promise.all([
        calls.complete({ provider: 'openai', model: 'gpt-99', result: openAiResult('gpt-99', 100, 10) }),
        calls.complete({ provider: 'anthropic', model: 'claude-sonnet-4-0', result: anthropicMessage }),
      ]),
    );
    const spans = app.spans();
    const a = spanNamed(spans, 'chat gpt-99').attributes;
    assert.equal(a[CostAttributes.PRICED], false);
    assert.equal(a[CostAttributes.UNPRICED_REASON], 'no price for provider "openai" model "gpt-99"');
    for (const key of [CostAttributes.USD, GenAiAttributes.USAGE_COST, OpenInferenceAttributes.LLM_COST_TOTAL, CostAttributes.USD_PER_1K_TOKENS]) {
      assert.equal(a[key], undefined, key);
    }
    assert.equal(a[GenAiAttributes.USAGE_INPUT_TOKENS], 100);
    const node = spanNamed(spans, 'node mixed').attributes;
    near(node[CostAttributes.TOTAL_USD], 0.01155);
    assert.equal(node[CostAttributes.LLM_CALLS], 2);
    assert.equal(node[CostAttributes.UNPRICED_CALLS], 1);
    assert.equal(node[CostAttributes.INPUT_TOKENS], 100 + 4250);
    assert.equal(node[CostAttributes.OUTPUT_TOKENS], 10 + 400);
    assert.equal(node[GenAiAttributes.USAGE_INPUT_TOKENS], undefined, 'rollups never go into gen_ai.usage.*');
  });

  it('roll a workflow of three parallel nodes up: each ancestor equals the sum of its descendants', async () => {
    const app = await apps.boot();
    await app.tracing.withAttribution({ userId: 'alice' }, () =>
      pipeline.run('job-1', () =>
        Promise.all(
          ['a', 'b', 'c'].map((id, i) =>
            pipeline.node(id, () =>
              calls.complete({ provider: 'openai', model: 'gpt-4o', result: openAiResult('gpt-4o-2024-08-06', 1000 * (i + 1), 300 + i, 100 * i) }),
            ),
          ),
        ),
      ),
    );
    const spans = app.spans();
    const workflow = spanNamed(spans, 'invoke_workflow research');
    for (const ancestor of [workflow, ...['a', 'b', 'c'].map((id) => spanNamed(spans, `node ${id}`))]) {
      near(ancestor.attributes[CostAttributes.TOTAL_USD], costOf(descendantsOf(spans, ancestor)));
      assert.equal(ancestor.attributes[CostAttributes.UNPRICED_CALLS], 0);
    }
    assert.equal(workflow.attributes[CostAttributes.LLM_CALLS], 3);
    assert.equal(workflow.attributes[CostAttributes.INPUT_TOKENS], 6000);
    assert.equal(workflow.attributes[CostAttributes.OUTPUT_TOKENS], 903);
    const expected = [0, 1, 2].reduce((sum, i) => sum + (((i + 1) * 1000 - 100 * i) * 2.5 + 100 * i * 1.25 + (300 + i) * 10) / 1e6, 0);
    near(workflow.attributes[CostAttributes.TOTAL_USD], expected);
    const costs = app.app.get(CostService);
    const forecast = costs.forecast({ workflow: 'research', runs: 10 });
    assert.ok(forecast.available);
    near(forecast.meanRunUsd, expected);
    const [alice] = costs.report({ groupBy: ['user'] }).filter((r) => r.key.user === 'alice');
    assert.equal(alice?.calls, 3);
    near(alice?.totalUsd, expected);
  });

  it('stay exact for 1,000 concurrent workflows under Promise.all', async () => {
    const app = await apps.boot();
    await Promise.all(
      Array.from({ length: 1000 }, (_, run) =>
        pipeline.run(`run-${run}`, () =>
          Promise.all(
            [0, 1, 2].map((i) =>
              pipeline.node(`n${i}`, async () => {
                await new Promise((resolve) => setImmediate(resolve));
                return i === 2
                  ? calls.complete({ provider: 'anthropic', model: 'claude-sonnet-4-0', result: anthropicMessage })
                  : calls.complete({
                      provider: 'openai',
                      model: 'gpt-4o-mini',
                      result: openAiResult('gpt-4o-mini', 100 + ((run * 7 + i) % 500), 10 + ((run * 13 + i) % 300), (run % 5) * 10),
                    });
              }),
            ),
          ),
        ),
      ),
    );
    const spans = app.spans();
    assert.equal(spans.length, 7000);
    const index = indexChildren(spans);
    const roots = spans.filter((s) => s.name === 'invoke_workflow research');
    assert.equal(roots.length, 1000);
    for (const root of roots) {
      const run = String(root.attributes['workflow.job_id']);
      const below = descendantsOf(spans, root, index);
      assert.equal(below.length, 6, `${run} has its own subtree`);
      near(root.attributes[CostAttributes.TOTAL_USD], costOf(below), 1e-12, run);
      const inputs = below.reduce((sum, s) => sum + ((s.attributes[GenAiAttributes.USAGE_INPUT_TOKENS] as number | undefined) ?? 0), 0);
      assert.equal(root.attributes[CostAttributes.INPUT_TOKENS], inputs, run);
      assert.equal(root.attributes[CostAttributes.LLM_CALLS], 3, run);
    }
  });
});

describe('costTracking=false', () => {
  it('keeps token attributes only: no price, no rollup, no report', async () => {
    const app = await apps.boot({ tracing: { costTracking: false } });
    await pipeline.run('job-off', () => calls.complete({ provider: 'openai', model: 'gpt-4o', result: openAiChatCompletion }));
    const spans = app.spans();
    const a = spanNamed(spans, 'chat gpt-4o').attributes;
    assert.equal(a[GenAiAttributes.USAGE_INPUT_TOKENS], 1000);
    assert.equal(a[OpenInferenceAttributes.LLM_TOKEN_COUNT_TOTAL], 1500);
    for (const key of Object.keys(a)) assert.ok(!key.startsWith('cost.') && !key.startsWith('llm.cost.') && key !== GenAiAttributes.USAGE_COST, key);
    const workflow = spanNamed(spans, 'invoke_workflow research').attributes;
    assert.equal(workflow[CostAttributes.TOTAL_USD], undefined);
    assert.deepEqual(app.app.get(CostService).report({ groupBy: [] }), []);
  });
});

class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

describe('GenAI client metrics', () => {
  it('records token usage, duration, time to first chunk and USD cost with low-cardinality labels', async () => {
    const app: TracedApp = await apps.boot();
    const reader = new CollectingReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    apps.cleanup(() => meterProvider.shutdown());
    apps.cleanup(() => metrics.disable());
    // Registered after the module started: the recorder must pick it up.
    metrics.setGlobalMeterProvider(meterProvider);
    await app.tracing.withAttribution({ userId: 'alice' }, () =>
      pipeline.run('job-metrics', () => calls.complete({ provider: 'openai', model: 'gpt-4o', result: openAiChatCompletion })),
    );
    await consume(calls.stream({ provider: 'anthropic', model: 'claude-sonnet-4-0', result: anthropicStream }));

    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const metric = (name: string) => {
      const m = all.find((x) => x.descriptor.name === name);
      assert.ok(m, `metric ${name} missing; have ${all.map((x) => x.descriptor.name).join(', ')}`);
      return m;
    };
    const tokens = metric(GenAiMetrics.TOKEN_USAGE).dataPoints as Array<DataPoint<Histogram>>;
    const openAiInput = tokens.find((p) => p.attributes[GenAiAttributes.PROVIDER_NAME] === 'openai' && p.attributes[GenAiAttributes.TOKEN_TYPE] === 'input');
    assert.equal(openAiInput?.value.sum, 1000);
    assert.deepEqual(openAiInput?.attributes, {
      [GenAiAttributes.OPERATION_NAME]: 'chat',
      [GenAiAttributes.PROVIDER_NAME]: 'openai',
      [GenAiAttributes.REQUEST_MODEL]: 'gpt-4o',
      [GenAiAttributes.RESPONSE_MODEL]: 'gpt-4o-2024-08-06',
      [GenAiAttributes.TOKEN_TYPE]: 'input',
    });
    assert.equal(metric(GenAiMetrics.OPERATION_DURATION).descriptor.unit, 's');
    assert.equal(metric(GenAiMetrics.OPERATION_DURATION).dataPoints.length, 2);
    const ttfc = metric(GenAiMetrics.TIME_TO_FIRST_CHUNK).dataPoints as Array<DataPoint<Histogram>>;
    assert.deepEqual(ttfc.map((p) => [p.attributes[GenAiAttributes.PROVIDER_NAME], p.value.count]), [['anthropic', 1]]);
    const cost = metric(GenAiMetrics.COST).dataPoints as Array<DataPoint<number>>;
    near(cost.reduce((sum, p) => sum + p.value, 0), 0.00725 + ANTHROPIC_STREAM_USD);
    for (const m of all) for (const p of m.dataPoints) assert.ok(!Object.keys(p.attributes).some((k) => k.startsWith('user.')));
  });
});
