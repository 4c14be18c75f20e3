import { Controller, Get, Param } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CostService, TraceStoreService } from '../../lib/index.js';
import type { ForecastReport } from '../../lib/store/trace-query.types.js';
import { near } from '../support/assertions.js';
import { createTestSchema, type TestSchema } from '../support/postgres.js';
import { tempDir } from '../support/temp-dir.js';
import { createTracedApp, type TracedApp } from '../support/tracing-harness.js';
import { DEMO_PRICES, DemoNodes, FakeLlm, ResearchWorkflow } from './fixtures/demo-workflow.js';
import { STORE_DRIVERS } from './support/store-harness.js';

@Controller('research')
class ResearchController {
  constructor(private readonly workflow: ResearchWorkflow) {}

  @Get(':topic')
  async run(@Param('topic') topic: string): Promise<{ ok: true }> {
    await this.workflow.run({ topic, delayMs: 1 });
    return { ok: true };
  }
}

for (const driver of STORE_DRIVERS) {
  describe(`forecast from the store (${driver})`, () => {
    const tmp = tempDir('ai-tracing-forecast');
    let schema: TestSchema | undefined;

    after(async () => {
      await schema?.drop();
      tmp.cleanup();
    });

    const boot = async (): Promise<TracedApp> => {
      schema ??= driver === 'postgres' ? await createTestSchema('forecast') : undefined;
      return createTracedApp({
        controllers: [ResearchController],
        providers: [ResearchWorkflow, DemoNodes, FakeLlm],
        tracing: {
          store: schema ? { url: schema.url } : { path: tmp.join('forecast.db') },
          explorer: { enabled: true },
          pricing: { models: DEMO_PRICES, bundled: false },
        },
      });
    };

    it('survives an app restart: the next app forecasts from the runs of the first', async () => {
      const first = await boot();
      let inMemory: ReturnType<CostService['forecast']>;
      try {
        for (let i = 0; i < 5; i++) assert.equal((await fetch(`${first.url}/research/topic-${i}`)).status, 200);
        await first.tracing.forceFlush();
        inMemory = first.app.get(CostService).forecast({ workflow: 'research', runs: 10 });
        assert.ok(inMemory.available);
      } finally {
        await first.close();
      }

      const second = await boot();
      try {
        assert.equal(second.app.get(CostService).forecast({ workflow: 'research', runs: 10 }).available, false, 'memory starts empty');
        const stored = await second.app.get(TraceStoreService).forecast({ workflow: 'research', runs: 10, days: 7 });
        const [f] = stored.forecasts;
        assert.equal(f!.workflow, 'research');
        assert.equal(f!.observedRuns, 5);
        near(f!.meanRunUsd, inMemory.meanRunUsd, 1e-12, 'mean run');
        near(f!.p95RunUsd, inMemory.p95RunUsd, 1e-12, 'p95 run');
        near(f!.expectedUsd, inMemory.expectedUsd, 1e-10, 'next 10 runs');
        near(f!.runsPerDay, 5 / 30, 1e-6, 'runs per day over the 30-day window');
        near(f!.expectedUsdForDays, inMemory.meanRunUsd * (5 / 30) * 7, 1e-8, 'next 7 days');

        // CostService reads the same history through forecastFromStore / reportFromStore.
        const fromStore = await second.app.get(CostService).forecastFromStore({ workflow: 'research', runs: 10 });
        assert.ok(fromStore.available);
        assert.equal(fromStore.observedRuns, 5);
        near(fromStore.expectedUsd, inMemory.expectedUsd, 1e-10, 'CostService.forecastFromStore');
        const unknown = await second.app.get(CostService).forecastFromStore({ workflow: 'nope', runs: 10 });
        assert.equal(unknown.available, false);
        const report = await second.app.get(CostService).reportFromStore({ groupBy: 'workflow' });
        assert.deepEqual(report.rows.map((r) => [r.key, r.llmCalls]), [['research', 15]]);

        const res = await fetch(`${second.url}/_tracing/api/forecast?runs=10&days=7`);
        assert.equal(res.status, 200);
        const api = (await res.json()) as ForecastReport;
        assert.deepEqual(api.forecasts.map((x) => [x.workflow, x.observedRuns]), [['research', 5]]);
        assert.equal((await fetch(`${second.url}/_tracing/api/forecast?runs=-1`)).status, 400);
      } finally {
        await second.close();
      }
    });
  });
}
