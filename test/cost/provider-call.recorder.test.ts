import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { CostAttributes, GenAiAttributes, GenAiMetrics, OpenInferenceAttributes } from '../../lib/semconv.js';
import { anthropicStream } from './fixtures/provider-streams.js';
import { anthropicMessage, openAiChatCompletion } from './fixtures/provider-results.js';
import { near } from '../support/assertions.js';
import { descendantsOf, indexChildren } from '../support/tracing-harness.js';
import { openAiResult, parentSpan, providerCall, startEngine, streamOf, type EngineHarness } from './fixtures/engine-harness.js';

function named(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `one span "${name}" expected, got ${found.length}`);
  return found[0]!;
}

/** Sum of `cost.usd` over the provider spans below `root`. */
function descendantCost(below: ReadableSpan[]): number {
  return below.reduce((sum, s) => sum + ((s.attributes[CostAttributes.USD] as number | undefined) ?? 0), 0);
}

describe('ProviderCallCostRecorder', () => {
  let engine: EngineHarness;
  before(() => {
    engine = startEngine();
  });
  after(() => engine.close());
  afterEach(() => engine.reset());

  it('writes token, cost and throughput attributes on a priced provider span', async () => {
    await providerCall(engine.recorder, 'openai', 'gpt-4o', async () => openAiChatCompletion);
    const a = named(engine.spans(), 'chat gpt-4o').attributes;
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
    const stream = providerCall(engine.recorder, 'anthropic', 'claude-sonnet-4-0', () => streamOf(anthropicStream));
    for await (const chunk of stream) void chunk;
    const a = named(engine.spans(), 'chat claude-sonnet-4-0').attributes;
    assert.equal(a[GenAiAttributes.REQUEST_STREAM], true);
    const ttfc = a[GenAiAttributes.RESPONSE_TIME_TO_FIRST_CHUNK];
    assert.ok(typeof ttfc === 'number' && ttfc >= 0);
    assert.equal(a[GenAiAttributes.USAGE_INPUT_TOKENS], 2525);
    assert.equal(a[GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS], 2000);
    assert.equal(a[GenAiAttributes.USAGE_CACHE_CREATION_INPUT_TOKENS], 500);
    assert.equal(a[OpenInferenceAttributes.LLM_TOKEN_COUNT_PROMPT_CACHE_WRITE], 500);
    assert.equal(a[GenAiAttributes.USAGE_OUTPUT_TOKENS], 15);
    assert.equal(a[GenAiAttributes.RESPONSE_MODEL], 'claude-sonnet-4-20250514');
    near(a[CostAttributes.USD], (25 * 3 + 2000 * 0.3 + 500 * 3.75 + 15 * 15) / 1e6);
  });

  it('marks an unknown model unpriced with a reason and no cost number; ancestors count it', async () => {
    await parentSpan(engine.recorder, 'node', 'node mixed', () =>
      Promise.all([
        providerCall(engine.recorder, 'openai', 'gpt-99', async () => openAiResult('gpt-99', 100, 10)),
        providerCall(engine.recorder, 'anthropic', 'claude-sonnet-4-0', async () => anthropicMessage),
      ]),
    );
    const spans = engine.spans();
    const a = named(spans, 'chat gpt-99').attributes;
    assert.equal(a[CostAttributes.PRICED], false);
    assert.equal(a[CostAttributes.UNPRICED_REASON], 'no price for provider "openai" model "gpt-99"');
    for (const key of [CostAttributes.USD, GenAiAttributes.USAGE_COST, OpenInferenceAttributes.LLM_COST_TOTAL, CostAttributes.USD_PER_1K_TOKENS]) {
      assert.equal(a[key], undefined, key);
    }
    assert.equal(a[GenAiAttributes.USAGE_INPUT_TOKENS], 100);
    const node = named(spans, 'node mixed').attributes;
    near(node[CostAttributes.TOTAL_USD], 0.01155);
    assert.equal(node[CostAttributes.LLM_CALLS], 2);
    assert.equal(node[CostAttributes.UNPRICED_CALLS], 1);
    assert.equal(node[CostAttributes.INPUT_TOKENS], 100 + 4250);
    assert.equal(node[CostAttributes.OUTPUT_TOKENS], 10 + 400);
    assert.equal(node[GenAiAttributes.USAGE_INPUT_TOKENS], undefined, 'rollups never go into gen_ai.usage.*');
  });

  it('rolls cost up a workflow of three parallel nodes: each ancestor equals the sum of its descendants', async () => {
    await parentSpan(engine.recorder, 'workflow', 'invoke_workflow research', () =>
      Promise.all(
        ['a', 'b', 'c'].map((id, i) =>
          parentSpan(engine.recorder, 'node', `node ${id}`, () =>
            providerCall(engine.recorder, 'openai', 'gpt-4o', async () => openAiResult('gpt-4o-2024-08-06', 1000 * (i + 1), 300 + i, 100 * i)),
          ),
        ),
      ),
      { userId: 'alice' },
    );
    const spans = engine.spans();
    const workflow = named(spans, 'invoke_workflow research');
    for (const ancestor of [workflow, ...['a', 'b', 'c'].map((id) => named(spans, `node ${id}`))]) {
      near(ancestor.attributes[CostAttributes.TOTAL_USD], descendantCost(descendantsOf(spans, ancestor)));
      assert.equal(ancestor.attributes[CostAttributes.UNPRICED_CALLS], 0);
    }
    assert.equal(workflow.attributes[CostAttributes.LLM_CALLS], 3);
    assert.equal(workflow.attributes[CostAttributes.INPUT_TOKENS], 6000);
    assert.equal(workflow.attributes[CostAttributes.OUTPUT_TOKENS], 903);
    const expected = [0, 1, 2].reduce((sum, i) => sum + (((i + 1) * 1000 - 100 * i) * 2.5 + 100 * i * 1.25 + (300 + i) * 10) / 1e6, 0);
    near(workflow.attributes[CostAttributes.TOTAL_USD], expected);
    const forecast = engine.costs.forecast({ workflow: 'invoke_workflow research', runs: 10 });
    assert.ok(forecast.available);
    near(forecast.meanRunUsd, expected);
    const [alice] = engine.costs.report({ groupBy: ['user'] }).filter((r) => r.key.user === 'alice');
    assert.equal(alice?.calls, 3);
    near(alice?.totalUsd, expected);
  });

  it('keeps 1,000 concurrent parents exact under Promise.all', async () => {
    const runs = Array.from({ length: 1000 }, (_, run) =>
      parentSpan(engine.recorder, 'workflow', `run-${run}`, () =>
        Promise.all(
          [0, 1, 2].map((i) =>
            parentSpan(engine.recorder, 'node', `run-${run}-node-${i}`, async () => {
              await new Promise((resolve) => setImmediate(resolve));
              return providerCall(engine.recorder, i === 2 ? 'anthropic' : 'openai', i === 2 ? 'claude-sonnet-4-0' : 'gpt-4o-mini', async () =>
                i === 2 ? anthropicMessage : openAiResult('gpt-4o-mini', 100 + ((run * 7 + i) % 500), 10 + ((run * 13 + i) % 300), (run % 5) * 10),
              );
            }),
          ),
        ),
      ),
    );
    await Promise.all(runs);
    const spans = engine.spans();
    assert.equal(spans.length, 7000);
    const byName = new Map(spans.map((s) => [s.name, s]));
    const index = indexChildren(spans);
    for (let run = 0; run < 1000; run++) {
      const root = byName.get(`run-${run}`)!;
      const below = descendantsOf(spans, root, index);
      assert.equal(below.length, 6, `run ${run} has its own subtree`);
      near(root.attributes[CostAttributes.TOTAL_USD], descendantCost(below));
      const inputs = below.reduce((sum, s) => sum + ((s.attributes[GenAiAttributes.USAGE_INPUT_TOKENS] as number | undefined) ?? 0), 0);
      assert.equal(root.attributes[CostAttributes.INPUT_TOKENS], inputs);
      assert.equal(root.attributes[CostAttributes.LLM_CALLS], 3);
    }
  });
});

describe('ProviderCallCostRecorder with costTracking=false', () => {
  it('keeps token attributes only: no price, no rollup, no report', async () => {
    const engine = startEngine({ costTracking: false });
    try {
      await parentSpan(engine.recorder, 'workflow', 'invoke_workflow off', () =>
        providerCall(engine.recorder, 'openai', 'gpt-4o', async () => openAiChatCompletion),
      );
      const spans = engine.spans();
      const a = named(spans, 'chat gpt-4o').attributes;
      assert.equal(a[GenAiAttributes.USAGE_INPUT_TOKENS], 1000);
      assert.equal(a[OpenInferenceAttributes.LLM_TOKEN_COUNT_TOTAL], 1500);
      for (const key of Object.keys(a)) assert.ok(!key.startsWith('cost.') && !key.startsWith('llm.cost.') && key !== GenAiAttributes.USAGE_COST, key);
      const workflow = named(spans, 'invoke_workflow off').attributes;
      assert.equal(workflow[CostAttributes.TOTAL_USD], undefined);
      assert.deepEqual(engine.costs.report({ groupBy: [] }), []);
    } finally {
      await engine.close();
    }
  });
});

class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

describe('GenAI client metrics', () => {
  it('records token usage, duration, time to first chunk and USD cost with low-cardinality labels', async () => {
    const engine = startEngine();
    const reader = new CollectingReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    try {
      // Registered after the recorder exists: the recorder must pick it up.
      metrics.setGlobalMeterProvider(meterProvider);
      await parentSpan(engine.recorder, 'workflow', 'w', () => providerCall(engine.recorder, 'openai', 'gpt-4o', async () => openAiChatCompletion), {
        userId: 'alice',
      });
      const stream = providerCall(engine.recorder, 'anthropic', 'claude-sonnet-4-0', () => streamOf(anthropicStream));
      for await (const chunk of stream) void chunk;

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
      near(cost.reduce((sum, p) => sum + p.value, 0), 0.00725 + (25 * 3 + 2000 * 0.3 + 500 * 3.75 + 15 * 15) / 1e6);
      for (const m of all) for (const p of m.dataPoints) assert.ok(!Object.keys(p.attributes).some((k) => k.startsWith('user.')));
    } finally {
      metrics.disable();
      await meterProvider.shutdown();
      await engine.close();
    }
  });
});
