import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchChromium, openDesktopPage, skipWithoutBrowser } from '../support/browser.js';
import { createResearchWorkflow, createSupportWorkflow, RateLimitError } from './fixtures/demo-workflow.js';
import { startExplorerApp, type ExplorerApp } from './support/explorer-app.js';
import { context, trace } from '@opentelemetry/api';
import { openTracedStoreAt, STORE_DRIVERS, traceIdOf } from './support/store-harness.js';
import { createTestSchema, type TestSchema } from '../support/postgres.js';
import { tempDir } from '../support/temp-dir.js';

/** One trace of 700 spans in a store that keeps 600 per trace: more than a page, and past the cap. */
async function seedLongTrace(path: string): Promise<string> {
  const traced = await openTracedStoreAt(path, { maxSpansPerTrace: 600 });
  const root = traced.tracer.startSpan('batch import');
  for (let i = 0; i < 699; i++) {
    traced.tracer.startSpan(`row ${i}`, { startTime: Date.now() + i }, trace.setSpan(context.active(), root)).end(Date.now() + i + 1);
  }
  root.end(Date.now() + 800);
  await traced.flush();
  const traceId = root.spanContext().traceId;
  await traced.close();
  return traceId;
}

/** The demo flow for a few users: research runs (parallel nodes, one failing) and support chats. */
async function seedDemo(path: string): Promise<{ okResearchTraceId: string; traces: number }> {
  const traced = await openTracedStoreAt(path);
  const research = createResearchWorkflow();
  const support = createSupportWorkflow();
  const runs: Array<[string, string, () => Promise<void>]> = [
    ['alice', 'acme', () => research.run({ topic: 'opentelemetry', delayMs: 12 })],
    ['bob', 'globex', () => support.run('where is my order?', 8)],
    ['alice', 'acme', () => support.run('reset my password', 6)],
    ['carol', 'initech', () => research.run({ topic: 'sqlite', delayMs: 8, fail: true })],
    ['bob', 'globex', () => research.run({ topic: 'nestjs', delayMs: 10 })],
  ];
  for (const [userId, tenantId, run] of runs) {
    await traced.as({ userId, tenantId }, () => run().catch((e: unknown) => {
      if (!(e instanceof RateLimitError)) throw e;
    }));
  }
  await traced.flush();
  const workflowSpans = traced.finished().filter((s) => s.name === 'invoke_workflow research' && s.status.code !== 2);
  const okResearchTraceId = traceIdOf(workflowSpans[0]!);
  await traced.close();
  return { okResearchTraceId, traces: runs.length };
}

for (const driver of STORE_DRIVERS) describe(`explorer in headless Chromium (${driver})`, { skip: skipWithoutBrowser() }, () => {
  const tmp = tempDir('ai-tracing-store');
  const schemas: TestSchema[] = [];
  /** A SQLite file in the temp folder, or the URL of a new PostgreSQL schema. */
  const storeAt = async (file: string): Promise<string> => {
    if (driver === 'sqlite') return join(tmp.path, file);
    const schema = await createTestSchema('browser');
    schemas.push(schema);
    return schema.url;
  };
  let path: string;
  let seeded: { okResearchTraceId: string; traces: number };
  let browser: Browser;
  let page: Page;

  before(async () => {
    path = await storeAt('traces.db');
    seeded = await seedDemo(path);
    browser = await launchChromium();
    page = await openDesktopPage(browser);
  });

  after(async () => {
    await browser?.close();
    for (const schema of schemas) await schema.drop();
    tmp.cleanup();
  });

  describe('without a token', () => {
    let app: ExplorerApp;

    before(async () => {
      app = await startExplorerApp('express', path);
    });

    after(() => app.close());

    it('shows the trace list', async () => {
      await page.goto(`${app.url}/_tracing`);
      const rows = page.locator('#trace-table tbody tr[data-trace-id]');
      await rows.first().waitFor();
      assert.equal(await rows.count(), seeded.traces);
      assert.equal(await page.locator('#trace-count').textContent(), `${seeded.traces} of ${seeded.traces}`);
      assert.equal(await page.locator('#trace-table tbody tr.err').count(), 1);
      await page.screenshot({ path: artifactPath('explorer-traces.png'), fullPage: true });
    });

    it('filters the list from the form', async () => {
      await page.fill('#trace-filters input[name=user]', 'alice');
      await page.click('#trace-filters button[type=submit]');
      await page.locator('#trace-count', { hasText: /^2 of 2$/ }).waitFor();
      assert.match(page.url(), /#\/traces\?.*user=alice/);
      await page.click('#trace-filters button[type=button]');
      await page.locator('#trace-count', { hasText: `${seeded.traces} of ${seeded.traces}` }).waitFor();
    });

    it('opens a workflow trace: waterfall with parallel nodes and cost', async () => {
      await page.click(`#trace-table tr[data-trace-id="${seeded.okResearchTraceId}"]`);
      const rows = page.locator('#waterfall .wf-row[data-span-id]');
      await rows.first().waitFor();
      assert.equal(await rows.count(), 8);
      assert.equal(await page.locator('#waterfall .wf-row[data-parallel-group="1"]').count(), 3);
      assert.match((await page.locator('#parallel-groups').textContent())!, /3 spans in parallel/);
      const costs = await page.locator('#waterfall .wf-cost.own').allTextContents();
      assert.equal(costs.length, 3);
      assert.ok(costs.every((c) => c.startsWith('$')), costs.join(','));
      assert.match((await page.locator('#trace-summary').textContent())!, /Cost\$/);
      await page.screenshot({ path: artifactPath('explorer-trace.png'), fullPage: true });
    });

    it('shows the attributes of a span on click', async () => {
      await page.click('#waterfall .wf-row[data-role="provider"] >> nth=0');
      const panel = page.locator('#panel');
      await panel.waitFor({ state: 'visible' });
      const text = (await panel.textContent())!;
      assert.match(text, /gen_ai\.request\.model/);
      assert.match(text, /cost\.usd/);
      await page.screenshot({ path: artifactPath('explorer-span.png') });
      await page.keyboard.press('Escape');
      await panel.waitFor({ state: 'hidden' });
    });

    it('opens the cost view grouped by user, workflow and model', async () => {
      await page.click('nav a[data-tab="cost"]');
      await page.locator('#cost-table tbody tr').first().waitFor();
      const keys = async () => (await page.locator('#cost-table tbody tr td:first-child').allTextContents()).sort();
      assert.deepEqual(await keys(), ['alice', 'bob', 'carol']);
      await page.click('#cost-groups button[data-group="workflow"]');
      await page.locator('#cost-table th', { hasText: /^Workflow$/ }).waitFor();
      await page.locator('#cost-table tbody tr').first().waitFor();
      assert.deepEqual(await keys(), ['research', 'support-chat']);
      await page.click('#cost-groups button[data-group="model"]');
      await page.locator('#cost-table th', { hasText: /^Model$/ }).waitFor();
      await page.locator('#cost-table tbody tr').first().waitFor();
      assert.deepEqual(await keys(), ['claude-haiku', 'gpt-4o-mini']);
      assert.match((await page.locator('#cost-totals').textContent())!, /Total cost\$/);
      assert.equal(await page.locator('select[name=since]').inputValue(), '24h', 'reports cover the last 24 hours unless asked');
      await page.screenshot({ path: artifactPath('explorer-cost.png'), fullPage: true });
    });

    it('opens the slowest-nodes and errors views', async () => {
      await page.click('nav a[data-tab="slowest"]');
      await page.locator('#slowest-nodes tbody tr').first().waitFor();
      const nodes = (await page.locator('#slowest-nodes tbody tr td:first-child').allTextContents()).sort();
      assert.deepEqual(nodes, ['answer', 'classify', 'moderate', 'retrieve', 'summarize', 'translate']);
      await page.screenshot({ path: artifactPath('explorer-slowest.png'), fullPage: true });
      await page.click('nav a[data-tab="errors"]');
      await page.locator('#errors-table tbody tr').first().waitFor();
      assert.match((await page.locator('#errors-table tbody').textContent())!, /RateLimitError/);
    });

    it('opens the forecast view: expected spend per workflow from the stored runs', async () => {
      await page.click('nav a[data-tab="forecast"]');
      await page.locator('#forecast-table tbody tr').first().waitFor();
      const workflows = (await page.locator('#forecast-table tbody tr td:first-child').allTextContents()).sort();
      assert.deepEqual(workflows, ['research', 'support-chat']);
      assert.match((await page.locator('#forecast-table tbody').textContent())!, /\$/);
      await page.screenshot({ path: artifactPath('explorer-forecast.png'), fullPage: true });
    });
  });

  describe('a trace longer than a page and than the per-trace cap', () => {
    let longPath: string;
    let app: ExplorerApp;
    let traceId: string;

    before(async () => {
      longPath = await storeAt('long.db');
      traceId = await seedLongTrace(longPath);
      app = await startExplorerApp('fastify', longPath);
    });

    after(() => app.close());

    it('shows one page of spans, says which, and links to the next', async () => {
      await page.goto(`${app.url}/_tracing#/trace/${traceId}`);
      const note = page.locator('#span-page');
      await note.waitFor();
      assert.equal(
        await note.textContent(),
        'Showing spans 1–500 of 700 (600 stored; 100 past the per-trace cap were counted, not stored). later spans →',
      );
      assert.equal(await page.locator('#waterfall .wf-row[data-span-id]').count(), 500);
      assert.match((await page.locator('#stats').textContent())!, /100 over the per-trace cap/);
      await note.locator('a', { hasText: 'later spans' }).click();
      await page.locator('#span-page', { hasText: /^Showing spans 501–600 of 700/ }).waitFor();
      assert.equal(await page.locator('#waterfall .wf-row[data-span-id]').count(), 100);
      await page.screenshot({ path: artifactPath('explorer-long-trace.png'), fullPage: true });
    });
  });

  describe('with a token', () => {
    const token = 'browser-token';
    let app: ExplorerApp;

    before(async () => {
      app = await startExplorerApp('fastify', path, { token });
    });

    after(() => app.close());

    it('refuses the page without the token', async () => {
      const res = await page.goto(`${app.url}/_tracing`);
      assert.equal(res!.status(), 401);
      assert.match((await page.textContent('h1'))!, /token required/);
      assert.equal(await page.locator('#trace-table').count(), 0);
    });

    it('works when opened with ?token=, which the page sends as a bearer header', async () => {
      await page.goto(`${app.url}/_tracing`);
      await page.fill('input[name=token]', token);
      await page.click('button[type=submit]');
      await page.locator('#trace-table tbody tr[data-trace-id]').first().waitFor();
      assert.equal(await page.locator('#trace-table tbody tr[data-trace-id]').count(), seeded.traces);
      assert.match(page.url(), /\?token=browser-token/);
    });
  });
});
