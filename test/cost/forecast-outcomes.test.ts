import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CostService, TraceProvider, TraceWorkflow } from '../../lib/index.js';
import { createTracedApp } from '../support/tracing-harness.js';

@Injectable()
class Pipeline {
  @TraceProvider({ provider: 'openai' })
  async complete(request: { model: string }) {
    return { model: request.model, usage: { prompt_tokens: 1_000_000, completion_tokens: 0 } };
  }

  /** Each run calls the model once ($2.50 at the price below); `outcome` decides how the run ends afterwards. */
  @TraceWorkflow({ name: 'triage' })
  async run(outcome: 'ok' | 'fail' | 'abort') {
    await this.complete({ model: 'gpt-4o' });
    if (outcome === 'fail') throw new Error('merge failed');
    if (outcome === 'abort') throw new DOMException('cancelled by user', 'AbortError');
    return 'done';
  }
}

describe('forecast', () => {
  it('learns the cost of a run from completed runs only (failed and cancelled runs are left out)', async () => {
    const traced = await createTracedApp({
      providers: [Pipeline],
      listen: false,
      tracing: { pricing: { models: [{ provider: 'openai', model: 'gpt-4o', input: 2.5, output: 10 }] } },
    });
    try {
      const pipeline = traced.app.get(Pipeline);
      await pipeline.run('ok');
      await pipeline.run('ok');
      await assert.rejects(pipeline.run('fail'), /merge failed/);
      await assert.rejects(pipeline.run('abort'), { name: 'AbortError' });
      const forecast = traced.app.get(CostService).forecast({ workflow: 'triage', runs: 10 });
      assert.ok(forecast.available);
      assert.equal(forecast.observedRuns, 2);
      assert.equal(forecast.meanRunUsd, 2.5);
      assert.equal(forecast.expectedUsd, 25);
    } finally {
      await traced.close();
    }
  });
});
