import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CostReportStore } from '../../lib/cost/cost-report.store.js';
import { CostService } from '../../lib/cost/cost.service.js';
import type { CostCallRecord, CostGroupBy } from '../../lib/cost/cost.types.js';
import { WorkflowRunStore } from '../../lib/cost/workflow-runs.store.js';
import { costConfig } from './fixtures/cost-config.js';

const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const HOUR = 3_600_000;

function call(partial: Partial<CostCallRecord>): CostCallRecord {
  return { provider: 'openai', model: 'gpt-4o', costUsd: 0.01, inputTokens: 100, outputTokens: 50, at: new Date(T0), ...partial };
}

describe('CostService.report', () => {
  const service = new CostService(costConfig());
  service.recordCall(call({ userId: 'alice', tenantId: 'acme', workflow: 'summarize', costUsd: 0.01 }));
  service.recordCall(call({ userId: 'alice', tenantId: 'acme', workflow: 'translate', model: 'claude-sonnet-4', provider: 'anthropic', costUsd: 0.02 }));
  service.recordCall(call({ userId: 'bob', tenantId: 'acme', workflow: 'summarize', costUsd: 0.04, inputTokens: 1000 }));
  service.recordCall(call({ userId: 'bob', tenantId: 'globex', workflow: 'summarize', model: 'gpt-99', costUsd: undefined }));
  service.recordCall(call({ costUsd: 0.005 }));

  it('groups by user, most expensive first; calls without a user get null', () => {
    assert.deepEqual(service.report({ groupBy: ['user'] }), [
      { key: { user: 'bob' }, other: false, totalUsd: 0.04, nonTokenUsd: 0, inputTokens: 1100, outputTokens: 100, calls: 2, unpricedCalls: 1 },
      { key: { user: 'alice' }, other: false, totalUsd: 0.03, nonTokenUsd: 0, inputTokens: 200, outputTokens: 100, calls: 2, unpricedCalls: 0 },
      { key: { user: null }, other: false, totalUsd: 0.005, nonTokenUsd: 0, inputTokens: 100, outputTokens: 50, calls: 1, unpricedCalls: 0 },
    ]);
  });

  it('groups by several dimensions and by none', () => {
    const rows = service.report({ groupBy: ['tenant', 'model'] });
    assert.deepEqual(
      rows.map((r) => [r.key.tenant, r.key.model, r.calls]),
      [
        ['acme', 'gpt-4o', 2],
        ['acme', 'claude-sonnet-4', 1],
        [null, 'gpt-4o', 1],
        ['globex', 'gpt-99', 1],
      ],
    );
    const [total] = service.report({ groupBy: [] });
    assert.equal(total!.calls, 5);
    assert.ok(Math.abs(total!.totalUsd - 0.075) < 1e-15);
  });

  it('filters by since at hourly resolution', () => {
    const store = new CostReportStore();
    store.add(call({ at: new Date(T0 - 3 * HOUR), costUsd: 1 }));
    store.add(call({ at: new Date(T0 + 10 * 60_000), costUsd: 2 }));
    store.add(call({ at: new Date(T0 + HOUR), costUsd: 4 }));
    const total = (since?: Date) => store.report({ groupBy: [], since })[0]?.totalUsd ?? 0;
    assert.equal(total(), 7);
    assert.equal(total(new Date(T0 + 30 * 60_000)), 6); // the 10:00-11:00 bucket is included whole
    assert.equal(total(new Date(T0 + HOUR)), 4);
    assert.equal(total(new Date(T0 + 2 * HOUR)), 0);
  });

  it('caps distinct keys: later combinations are summed into one `other` row', () => {
    const store = new CostReportStore({ maxKeys: 3, retentionHours: 24 });
    for (let i = 0; i < 10; i++) store.add(call({ userId: `user-${i}`, costUsd: 1 }));
    store.add(call({ userId: 'user-0', costUsd: 1 }));
    const rows = store.report({ groupBy: ['user'] });
    assert.deepEqual(
      rows.map((r) => [r.key.user, r.other, r.totalUsd, r.calls]),
      [
        ['user-0', false, 2, 2],
        ['user-1', false, 1, 1],
        ['user-2', false, 1, 1],
        [null, true, 7, 7],
      ],
    );
  });

  it('forgets buckets and keys past the retention window, freeing key slots', () => {
    const store = new CostReportStore({ maxKeys: 1, retentionHours: 2 });
    store.add(call({ userId: 'old', at: new Date(T0), costUsd: 1 }));
    store.add(call({ userId: 'new', at: new Date(T0 + 3 * HOUR), costUsd: 2 }));
    store.add(call({ userId: 'late', at: new Date(T0 - HOUR), costUsd: 8 }));
    assert.deepEqual(
      store.report({ groupBy: ['user'] }).map((r) => [r.key.user, r.totalUsd]),
      [['new', 2]],
    );
  });

  it('forgets a stale combination but not the ones that share its user, and takes it back as new later', () => {
    const store = new CostReportStore({ maxKeys: 3, retentionHours: 2 });
    store.add(call({ userId: 'x', model: 'm1', at: new Date(T0), costUsd: 1 }));
    store.add(call({ userId: 'x', model: 'm2', at: new Date(T0 + HOUR), costUsd: 2 }));
    // A newer hour: x/m1 (last seen at T0) leaves the window, x/m2 stays.
    store.add(call({ userId: 'y', model: 'm1', at: new Date(T0 + 2 * HOUR), costUsd: 4 }));
    const rows = () => store.report({ groupBy: ['user', 'model'] }).map((r) => [r.key.user, r.key.model, r.other, r.totalUsd]);
    assert.deepEqual(rows(), [
      ['y', 'm1', false, 4],
      ['x', 'm2', false, 2],
    ]);
    // Its slot was freed: x/m1 comes back as a row of its own, not as `other`.
    store.add(call({ userId: 'x', model: 'm1', at: new Date(T0 + 2 * HOUR), costUsd: 8 }));
    assert.deepEqual(rows(), [
      ['x', 'm1', false, 8],
      ['y', 'm1', false, 4],
      ['x', 'm2', false, 2],
    ]);
    // x/m2 is still found as the combination it was (not added again, which would overflow the cap into `other`).
    store.add(call({ userId: 'x', model: 'm2', at: new Date(T0 + 2 * HOUR), costUsd: 16 }));
    assert.deepEqual(rows(), [
      ['x', 'm2', false, 18],
      ['x', 'm1', false, 8],
      ['y', 'm1', false, 4],
    ]);
  });

  it('counts an empty and an unset dimension as the same combination', () => {
    const store = new CostReportStore();
    store.add(call({ userId: '', costUsd: 1 }));
    store.add(call({ userId: undefined, costUsd: 2 }));
    assert.deepEqual(
      store.report({ groupBy: ['user'] }).map((r) => [r.key.user, r.totalUsd, r.calls]),
      [[null, 3, 2]],
    );
  });

  it('rejects unknown dimensions and invalid dates', () => {
    assert.throws(() => service.report({ groupBy: ['team' as CostGroupBy] }), {
      name: 'TypeError',
      message: `nestjs-ai-tracing: invalid argument report({ groupBy }): groupBy="team": expected an array of 'user', 'tenant', 'workflow', 'provider', 'model', 'kind'`,
    });
    assert.throws(() => service.report({ groupBy: [], since: new Date('nope') }), {
      message: 'nestjs-ai-tracing: invalid argument report({ since }): since=object: expected a valid Date',
    });
  });

  it('records nothing with costTracking=false', () => {
    const off = new CostService(costConfig({}, false));
    off.recordCall(call({}));
    off.recordWorkflowRun('w', 1);
    assert.deepEqual(off.report({ groupBy: ['user'] }), []);
    assert.equal(off.forecast({ workflow: 'w', runs: 1 }).available, false);
  });
});

describe('CostService.forecast', () => {
  it('forecasts from the mean and the nearest-rank p95 of observed runs', () => {
    const service = new CostService(costConfig());
    for (let i = 1; i <= 100; i++) service.recordWorkflowRun('summarize', i / 100);
    service.recordWorkflowRun('summarize', undefined);
    const f = service.forecast({ workflow: 'summarize', runs: 1000 });
    assert.equal(f.available, true);
    if (!f.available) return;
    assert.equal(f.observedRuns, 100);
    assert.equal(f.unpricedRuns, 1);
    assert.ok(Math.abs(f.meanRunUsd - 0.505) < 1e-12);
    assert.equal(f.p95RunUsd, 0.95);
    assert.ok(Math.abs(f.expectedUsd - 505) < 1e-9);
    assert.ok(Math.abs(f.p95Usd - 950) < 1e-9);
  });

  it('explains when there is nothing to forecast from', () => {
    const service = new CostService(costConfig());
    assert.deepEqual(service.forecast({ workflow: 'never', runs: 5 }), {
      available: false,
      workflow: 'never',
      runs: 5,
      observedRuns: 0,
      unpricedRuns: 0,
      reason: 'no finished run of workflow "never" observed yet',
    });
    service.recordWorkflowRun('unpriced', undefined);
    const f = service.forecast({ workflow: 'unpriced', runs: 5 });
    assert.equal(f.available ? '' : f.reason, 'no priced run of workflow "unpriced" yet (1 run(s) had unpriced calls)');
  });

  it('keeps the most recent runs per workflow and the most recently run workflows', () => {
    const store = new WorkflowRunStore({ runsPerWorkflow: 3, maxWorkflows: 2 });
    for (const cost of [100, 100, 1, 2, 3]) store.record('a', cost);
    store.record('b', 1);
    store.record('a', 4); // a is now the most recently run
    store.record('c', 1); // evicts b
    const a = store.forecast({ workflow: 'a', runs: 1 });
    assert.deepEqual(a.available && [a.observedRuns, a.meanRunUsd, a.p95RunUsd], [3, 3, 4]);
    assert.equal(store.forecast({ workflow: 'b', runs: 1 }).available, false);
    assert.equal(store.forecast({ workflow: 'c', runs: 1 }).available, true);
  });

  it('rejects invalid arguments', () => {
    const service = new CostService(costConfig());
    assert.throws(() => service.forecast({ workflow: 'w', runs: -1 }), {
      message: 'nestjs-ai-tracing: invalid argument forecast({ runs }): runs=-1: expected a finite number >= 0',
    });
    assert.throws(() => service.forecast({ workflow: '', runs: 1 }), {
      message: 'nestjs-ai-tracing: invalid argument forecast({ workflow }): workflow="": expected a workflow name (non-empty string)',
    });
  });
});
