import 'reflect-metadata';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CostService } from '../../lib/cost/cost.service.js';
import { CostAttributes, GenAiAttributes, TracingConfigError } from '../../lib/index.js';
import { near } from '../support/assertions.js';
import { header } from '../support/http.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { descendantsOf, indexChildren, PLATFORMS, waitForSpans, type TracedApp } from '../support/tracing-harness.js';
import { RESEARCH_PROVIDERS, ResearchController, ResearchWorkflow, researchSteps, stepCost } from './fixtures/research.app.js';

/**
 * Every span carrying a rollup equals the sum of `cost.usd` of the provider spans below it (to 1e-12), and
 * its token and call counts equal theirs exactly. Returns how many ancestors were checked.
 */
function assertRollups(spans: ReadableSpan[]): number {
  const index = indexChildren(spans);
  let checked = 0;
  for (const span of spans) {
    if (span.attributes[CostAttributes.TOTAL_USD] === undefined) continue;
    const calls = descendantsOf(spans, span, index).filter((s) => s.attributes[CostAttributes.PRICED] !== undefined);
    const sum = (key: string) => calls.reduce((total, s) => total + ((s.attributes[key] as number | undefined) ?? 0), 0);
    near(span.attributes[CostAttributes.TOTAL_USD], sum(CostAttributes.USD));
    assert.equal(span.attributes[CostAttributes.INPUT_TOKENS], sum(GenAiAttributes.USAGE_INPUT_TOKENS), span.name);
    assert.equal(span.attributes[CostAttributes.OUTPUT_TOKENS], sum(GenAiAttributes.USAGE_OUTPUT_TOKENS), span.name);
    assert.equal(span.attributes[CostAttributes.LLM_CALLS], calls.length, span.name);
    assert.equal(span.attributes[CostAttributes.UNPRICED_CALLS], 0, span.name);
    checked += 1;
  }
  return checked;
}

const workflowCost = (n: number) => researchSteps(n).reduce((sum, step) => sum + stepCost(step), 0);
const isRequest = (s: ReadableSpan) => s.name === 'GET /research/:n';

for (const platform of PLATFORMS) {
  describe(`cost tracking end to end on ${platform}`, () => {
    // Each test has its own app: cost reports and forecasts accumulate, so no test reads another's requests.
    const apps = tracedAppPerTest({
      platform,
      controllers: [ResearchController],
      providers: RESEARCH_PROVIDERS,
      tracing: { http: { userId: (request) => header(request, 'x-user-id') } },
    });

    /** `GET /research/:n` as each user, concurrently; every answer must be 200. */
    async function research(traced: TracedApp, runs: Array<[n: number, user: string]>): Promise<void> {
      const responses = await Promise.all(runs.map(([n, user]) => fetch(`${traced.url}/research/${n}`, { headers: { 'x-user-id': user } })));
      assert.deepEqual([...new Set(responses.map((r) => r.status))], [200]);
      await Promise.all(responses.map((r) => r.text()));
    }

    it('prices the three parallel provider calls of a workflow and rolls them up to the workflow and the request', async () => {
      const traced = await apps.boot();
      const response = await fetch(`${traced.url}/research/7`, { headers: { 'x-user-id': 'alice' } });
      assert.equal(response.status, 200);
      const spans = await waitForSpans(traced.spans, (all) => all.some(isRequest));
      for (const step of researchSteps(7)) {
        const span = spans.find((s) => s.name === `chat ${step.model}`);
        assert.ok(span, `provider span of ${step.id}`);
        assert.equal(span.attributes[CostAttributes.PRICED], true);
        assert.equal(span.attributes[CostAttributes.SOURCE], 'genai-prices@0.1.8');
        assert.equal(span.attributes[GenAiAttributes.RESPONSE_MODEL], step.responseModel);
        near(span.attributes[CostAttributes.USD], stepCost(step), 1e-15);
        near(span.attributes[GenAiAttributes.USAGE_COST], stepCost(step), 1e-15);
      }
      const request = spans.find(isRequest);
      const workflow = spans.find((s) => s.name === 'invoke_workflow research');
      assert.ok(request && workflow);
      near(workflow.attributes[CostAttributes.TOTAL_USD], workflowCost(7));
      near(request.attributes[CostAttributes.TOTAL_USD], workflowCost(7));
      assert.equal(spans.filter((s) => s.name === 'node research_step').length, 3);
      assert.equal(assertRollups(spans), 5, 'request, workflow and three nodes carry rollups');
    });

    it('keeps 1,000 concurrent workflow requests exact, each with its own rollup', async () => {
      const traced = await apps.boot();
      const users = ['alice', 'bob', 'carol'];
      await research(traced, Array.from({ length: 1000 }, (_, n) => [n, users[n % 3]!]));
      const spans = await waitForSpans(traced.spans, (all) => all.filter(isRequest).length === 1000);
      const index = indexChildren(spans);
      for (const request of spans.filter(isRequest)) {
        const run = Number(String(request.attributes['url.path']).split('/').pop());
        near(request.attributes[CostAttributes.TOTAL_USD], workflowCost(run));
        assert.equal(descendantsOf(spans, request, index).length, 7, `request ${run} owns its workflow, nodes and calls only`);
      }
      assert.equal(assertRollups(spans), 1000 * 5);
    });

    it('reports cost grouped by user and by model, matching the provider spans', async () => {
      const traced = await apps.boot();
      const users = ['alice', 'bob', 'carol', 'alice'];
      await research(traced, Array.from({ length: 40 }, (_, n) => [n, users[n % 4]!]));
      const all = await waitForSpans(traced.spans, (spans) => spans.filter(isRequest).length === 40);
      const spans = all.filter((s) => s.attributes[CostAttributes.PRICED] === true);
      assert.equal(spans.length, 40 * 3);
      const costs = traced.app.get(CostService);
      const expectBy = (key: string) => {
        const totals = new Map<string, { usd: number; calls: number }>();
        for (const s of spans) {
          const k = String(s.attributes[key]);
          const t = totals.get(k) ?? { usd: 0, calls: 0 };
          t.usd += s.attributes[CostAttributes.USD] as number;
          t.calls += 1;
          totals.set(k, t);
        }
        return totals;
      };
      for (const [dimension, attribute] of [
        ['user', 'user.id'],
        ['model', GenAiAttributes.RESPONSE_MODEL],
      ] as const) {
        const rows = costs.report({ groupBy: [dimension] });
        const expected = expectBy(attribute);
        assert.equal(rows.length, expected.size, dimension);
        for (const row of rows) {
          const e = expected.get(String(row.key[dimension]));
          assert.ok(e, `unexpected ${dimension} row ${String(row.key[dimension])}`);
          near(row.totalUsd, e.usd, 1e-12 * Math.max(1, e.usd));
          assert.equal(row.calls, e.calls);
          assert.equal(row.unpricedCalls, 0);
        }
      }
      const forecast = costs.forecast({ workflow: 'research', runs: 100 });
      assert.ok(forecast.available);
      assert.equal(forecast.observedRuns, 40);
      near(forecast.meanRunUsd, Array.from({ length: 40 }, (_, n) => workflowCost(n)).reduce((a, b) => a + b) / 40);
    });
  });
}

describe('cost tracking without HTTP', () => {
  const apps = tracedAppPerTest({ providers: RESEARCH_PROVIDERS, listen: false });

  it('keeps 1,000 concurrent in-process workflows exact under their own attribution', async () => {
    const traced = await apps.boot();
    const workflow = traced.app.get(ResearchWorkflow);
    await Promise.all(Array.from({ length: 1000 }, (_, n) => traced.tracing.withAttribution({ tenantId: `t${n % 10}` }, () => workflow.run(n))));
    const spans = traced.spans();
    const roots = spans.filter((s) => s.name === 'invoke_workflow research');
    assert.equal(roots.length, 1000);
    assert.equal(assertRollups(spans), 4000);
    const byTenant = traced.app.get(CostService).report({ groupBy: ['tenant'] });
    assert.equal(byTenant.length, 10);
    const expected = Array.from({ length: 1000 }, (_, n) => workflowCost(n)).reduce((a, b) => a + b, 0);
    near(byTenant.reduce((sum, row) => sum + row.totalUsd, 0), expected, 1e-9);
  });

  it('fails bootstrap on bad pricing with a message naming the entry', async () => {
    await assert.rejects(
      apps.boot({
        tracing: { pricing: { models: [{ provider: 'openai', model: 'gpt-4o', input: 2.5, output: -10 }] } },
      }),
      new TracingConfigError(
        'nestjs-ai-tracing: invalid pricing.models[0] (provider "openai", model "gpt-4o") output=-10: expected a finite number >= 0 (USD per 1M tokens)',
      ),
    );
  });
});
