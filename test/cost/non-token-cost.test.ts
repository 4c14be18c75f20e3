import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller, Injectable, Param, Post } from '@nestjs/common';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { CostService, TraceNode, TraceProvider, TraceWorkflow, TracingService, type ModelPrice } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { near as nearWithin } from '../support/assertions.js';
import { descendantsOf, waitForSpans, type TracedApp } from '../support/tracing-harness.js';

/** $1 per 1M input tokens, $2 per 1M output tokens: a call of 1,000 in / 500 out costs $0.002. */
const PRICES: ModelPrice[] = [{ provider: 'acme', model: 'acme-1', input: 1, output: 2 }];
const CALL_USD = 0.002;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

@Injectable()
class ImageModel {
  constructor(private readonly tracing: TracingService) {}

  /** A call that costs tokens and, inside the same span, an image priced per image. */
  @TraceProvider({ provider: 'acme' })
  async generate(_request: { model: string; job: number }) {
    await tick();
    this.tracing.recordCost({ usd: 0.04, kind: 'image', description: '1024x1024' });
    return { model: 'acme-1', usage: { prompt_tokens: 1000, completion_tokens: 500 } };
  }
}

@Injectable()
class Job {
  constructor(
    private readonly model: ImageModel,
    private readonly tracing: TracingService,
  ) {}

  @TraceWorkflow({ name: 'illustrate', jobId: (n: number) => `job-${n}` })
  async run(n: number): Promise<number> {
    const results = await Promise.all([this.draw(n), this.search(n), this.draw(n)]);
    return results.length;
  }

  @TraceNode({ nodeType: 'draw' })
  draw(n: number) {
    return this.model.generate({ model: 'acme-1', job: n });
  }

  /** A paid search API: no LLM call, only a cost that depends on the job. */
  @TraceNode({ nodeType: 'search' })
  async search(n: number) {
    await tick();
    this.tracing.recordCost({ usd: searchUsd(n), kind: 'search' });
    await tick();
    return n;
  }
}

const searchUsd = (n: number) => 0.001 * ((n % 5) + 1);
const jobUsd = (n: number) => 2 * (CALL_USD + 0.04) + searchUsd(n);

@Controller('jobs')
class JobsController {
  constructor(private readonly job: Job) {}

  @Post(':n')
  run(@Param('n') n: string) {
    return this.job.run(Number(n));
  }
}

const apps = tracedAppPerTest({ controllers: [JobsController], providers: [ImageModel, Job] });

function start(costTracking = true): Promise<TracedApp> {
  return apps.boot({ tracing: { costTracking, pricing: { models: PRICES }, http: { userId: () => 'alice' } } });
}

/** USD sums here are exact to 1e-12. */
const near = (actual: unknown, expected: number, what: string) => nearWithin(actual, expected, 1e-12, what);
const usd = (span: ReadableSpan, key: string) => span.attributes[key] as number | undefined;

describe('TracingService.recordCost', () => {
  it('rolls up with token cost to nodes, workflows and HTTP spans, exactly, under concurrency', async () => {
    const { url, spans } = await start();
    const jobs = Array.from({ length: 40 }, (_, n) => n);
    await Promise.all(jobs.map((n) => fetch(`${url}/jobs/${n}`, { method: 'POST' }).then((r) => assert.equal(r.status, 201))));
    const all = await waitForSpans(spans, (s) => s.filter((x) => x.name === 'POST /jobs/:n').length === jobs.length);
    for (const http of all.filter((s) => s.name === 'POST /jobs/:n')) {
      const workflow = descendantsOf(all, http).find((s) => s.name === 'invoke_workflow illustrate')!;
      const n = Number(String(workflow.attributes['workflow.job_id']).slice(4));
      for (const span of [http, workflow]) {
        near(usd(span, 'cost.total_usd'), jobUsd(n), `${span.name} of job ${n}`);
        near(usd(span, 'cost.total_non_token_usd'), 2 * 0.04 + searchUsd(n), `${span.name} non-token part`);
        assert.equal(span.attributes['cost.llm_calls'], 2);
      }
      const search = descendantsOf(all, workflow).find((s) => s.name === 'node search')!;
      near(usd(search, 'cost.non_token_usd'), searchUsd(n), 'the search node, own');
      near(usd(search, 'cost.total_usd'), searchUsd(n), 'the search node, total');
      assert.equal(search.attributes['cost.llm_calls'], 0);
      const [event] = search.events.filter((e) => e.name === 'cost.recorded');
      assert.deepEqual(event?.attributes, { 'cost.usd': searchUsd(n), 'cost.kind': 'search' });
      for (const provider of descendantsOf(all, workflow).filter((s) => s.name === 'chat acme-1')) {
        near(usd(provider, 'cost.usd'), CALL_USD, 'token price stays the token price');
        near(usd(provider, 'cost.non_token_usd'), 0.04, 'the image, on the call that made it');
        near(usd(provider, 'gen_ai.usage.cost'), CALL_USD + 0.04, 'Langfuse sees what the call cost in all');
        assert.deepEqual(provider.events.find((e) => e.name === 'cost.recorded')?.attributes, { 'cost.usd': 0.04, 'cost.kind': 'image', 'cost.description': '1024x1024' });
      }
    }
  });

  it('reaches the cost report and forecasts, groupable by kind', async () => {
    const { url, app: nest } = await start();
    for (const n of [0, 1, 2]) assert.equal((await fetch(`${url}/jobs/${n}`, { method: 'POST' })).status, 201);
    const costs = nest.get(CostService);
    const byKind = Object.fromEntries(costs.report({ groupBy: ['kind'] }).map((r) => [r.key.kind, r]));
    near(byKind.tokens!.totalUsd, 6 * CALL_USD, 'tokens');
    assert.equal(byKind.tokens!.calls, 6);
    assert.equal(byKind.tokens!.nonTokenUsd, 0);
    near(byKind.image!.totalUsd, 6 * 0.04, 'images');
    near(byKind.image!.nonTokenUsd, 6 * 0.04, 'images are not tokens');
    assert.equal(byKind.image!.calls, 0, 'a cost record is not a call');
    near(byKind.search!.totalUsd, searchUsd(0) + searchUsd(1) + searchUsd(2), 'searches');
    const [alice] = costs.report({ groupBy: ['user'] });
    assert.equal(alice!.key.user, 'alice');
    near(alice!.totalUsd, jobUsd(0) + jobUsd(1) + jobUsd(2), 'alice, everything');
    const forecast = costs.forecast({ workflow: 'illustrate', runs: 3 });
    assert.ok(forecast.available);
    near(forecast.expectedUsd, jobUsd(0) + jobUsd(1) + jobUsd(2), 'forecast from runs that include non-token costs');
  });

  it('ignores bad input with a false (never a throw); outside any span it still reaches the report', async () => {
    const { app: nest } = await start();
    const tracing = nest.get(TracingService);
    const costs = nest.get(CostService);
    for (const bad of [{ usd: -1, kind: 'image' }, { usd: Number.NaN, kind: 'image' }, { usd: 1, kind: 'Image Generation!' }, { usd: 1, kind: '' }, null]) {
      assert.equal(tracing.recordCost(bad as never), false);
    }
    assert.deepEqual(costs.report({ groupBy: [] }), []);
    assert.equal(tracing.recordCost({ usd: 0.5, kind: 'tool' }), false, 'no span to put it on');
    assert.equal(costs.report({ groupBy: ['kind'] })[0]?.key.kind, 'tool');
    near(costs.report({ groupBy: [] })[0]!.totalUsd, 0.5, 'reported');
  });

  it('records nothing with costTracking: false, on the span either', async () => {
    const { url, spans } = await start(false);
    assert.equal((await fetch(`${url}/jobs/1`, { method: 'POST' })).status, 201);
    const all = await waitForSpans(spans, (s) => s.some((x) => x.name === 'POST /jobs/:n'));
    assert.ok(all.length > 5);
    for (const span of all) {
      assert.equal(span.events.filter((e) => e.name === 'cost.recorded').length, 0, span.name);
      assert.equal(span.attributes['cost.total_usd'], undefined, span.name);
      assert.equal(span.attributes['cost.non_token_usd'], undefined, span.name);
    }
  });
});
