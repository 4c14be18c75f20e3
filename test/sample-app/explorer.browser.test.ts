import type { INestApplication } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { AttributionAttributes, CostAttributes, GenAiAttributes, TraceStoreService, TracingService } from '../../lib/index.js';
import { createSampleApp } from '../../sample-app/bootstrap.js';
import { runDemoSession, type DemoSession } from '../../sample-app/demo/demo-session.js';
import { localModelEnv, startModelServer, type ModelServer } from '../../sample-app/model-server/model-server.js';
import { discardQueuedRuns } from '../../sample-app/workflows/queued/redis-connection.js';
import { artifactPath, launchChromium, openDesktopPage, skipWithoutBrowser } from '../support/browser.js';
import { tempDir } from '../support/temp-dir.js';
import { parentOf, waitForSpans } from '../support/tracing-harness.js';

const TOKEN = 'sample-explorer-token';
const RUN_ROUTE = 'POST /workflows/:workflowId/runs';

/**
 * The explorer as a user of the sample sees it after the demo: the real sample app (local model server, trace
 * store in a temp SQLite file, explorer behind a token) plays the demo session, then headless Chromium opens
 * `/_tracing`. Every figure on the page is checked against the spans the app finished (in-memory exporter).
 */
describe('sample app: the explorer after the demo session, in headless Chromium', { skip: skipWithoutBrowser() }, () => {
  const storeDir = tempDir('sample-app-explorer');
  const queuePrefix = `test-explorer-${randomUUID().slice(0, 8)}`;
  let modelServer: ModelServer | undefined;
  let app: INestApplication | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let explorerUrl: string;
  let session: DemoSession;
  let spans: ReadableSpan[];

  before(async () => {
    browser = await launchChromium();
    page = await openDesktopPage(browser);
    // A missing element fails in seconds, not after Playwright's 30 s default.
    page.setDefaultTimeout(10_000);
    modelServer = await startModelServer();
    Object.assign(process.env, {
      ...localModelEnv(modelServer, 'test'),
      TRACING_EXPORTER: 'memory',
      TRACING_STORE_ENABLED: 'true',
      TRACING_STORE_PATH: storeDir.join('traces.db'),
      TRACING_EXPLORER_ENABLED: 'true',
      TRACING_EXPLORER_TOKEN: TOKEN,
      BULLMQ_PREFIX: queuePrefix,
    });
    app = await createSampleApp({ envFile: false, logger: false });
    await app.listen(0, '127.0.0.1');
    const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    explorerUrl = `${baseUrl}/_tracing`;
    session = await runDemoSession(baseUrl);

    // Root spans end just after their answer went out; the store then writes them in its next batch.
    const tracing = app.get(TracingService);
    const roots = demoTraceIds(session);
    spans = await waitForSpans(
      () => tracing.getFinishedSpans(),
      (all) => roots.every((traceId) => all.some((s) => s.spanContext().traceId === traceId && !parentOf(all, s))),
    );
    await tracing.forceFlush();
    const store = app.get(TraceStoreService);
    const stored = new Set((await store.listTraces({ limit: 100 })).traces.map((t) => t.traceId));
    assert.deepEqual(roots.filter((id) => !stored.has(id)), [], 'every demo trace is in the store');
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await discardQueuedRuns(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', queuePrefix);
    await modelServer?.close();
    storeDir.cleanup();
  });

  const inTrace = (traceId: string) => spans.filter((s) => s.spanContext().traceId === traceId);
  // LLM calls, not the HTTP attempts (also CLIENT spans) the traced fetch records under them.
  const providerCalls = (list: ReadableSpan[]) => list.filter((s) => s.kind === SpanKind.CLIENT && s.attributes[GenAiAttributes.PROVIDER_NAME] !== undefined);
  const costOf = (list: ReadableSpan[]) => providerCalls(list).reduce((sum, s) => sum + Number(s.attributes[CostAttributes.USD] ?? 0), 0);
  const traceRow = (traceId: string) => page.locator(`#trace-table tbody tr[data-trace-id="${traceId}"]`);
  const waterfallRows = () => page.locator('#waterfall .wf-row[data-span-id]');
  const waterfallRow = (name: string) => waterfallRows().filter({ has: page.locator('.label').getByText(name, { exact: true }) });

  it('refuses the page and the API without the token: the token form, no trace data', async () => {
    const refused = await page.goto(explorerUrl);
    assert.equal(refused?.status(), 401);
    assert.match((await page.locator('h1').textContent()) ?? '', /token required/);
    await page.locator('form input[name=token]').waitFor();
    assert.equal(await page.locator('#trace-table').count(), 0);
    const text = (await page.locator('body').textContent()) ?? '';
    for (const shouldNotLeak of ['alice', 'bob', 'document-triage', ...demoTraceIds(session)]) {
      assert.ok(!text.includes(shouldNotLeak), `the refusal page shows no "${shouldNotLeak}"`);
    }
    await page.screenshot({ path: artifactPath('sample-explorer-refused.png') });

    const api = await page.request.get(`${explorerUrl}/api/traces`);
    assert.equal(api.status(), 401);
    assert.ok(!(await api.text()).includes(session.workflowRuns[0]!.traceId));

    const wrong = await page.goto(`${explorerUrl}?token=not-the-token`);
    assert.equal(wrong?.status(), 401);
    await page.locator('.err', { hasText: 'That token is not valid.' }).waitFor();
  });

  it('opens with the token and lists the demo traces: workflow runs, agent task, chat, cancelled job, failing run', async () => {
    await page.goto(explorerUrl);
    await page.fill('input[name=token]', TOKEN);
    await page.click('button[type=submit]');
    const rows = page.locator('#trace-table tbody tr[data-trace-id]');
    await rows.first().waitFor();
    // Every trace on one page: "N of N", all of them rows.
    const [shown, total] = ((await page.locator('#trace-count').textContent()) ?? '').split(' of ');
    assert.equal(shown, total);
    assert.equal(await rows.count(), Number(total));

    type Listed = [label: string, traceId: string, rootName: string, user: string];
    const expected: Listed[] = [
      ...session.workflowRuns.map((r, i): Listed => [`workflow run ${i + 1}`, r.traceId, RUN_ROUTE, r.user]),
      ['agent task', session.agentTask.traceId, 'POST /agents/tasks', session.agentTask.user],
      ['chat', session.chat.traceId, 'websocket chat_message', session.chat.user],
      ['cancelled job', session.cancelledJob.runTraceId, 'websocket run_job', session.cancelledJob.user],
      ['failing run', session.failedRun.traceId, RUN_ROUTE, session.failedRun.user],
    ];
    for (const [label, traceId, name, user] of expected) {
      const row = traceRow(traceId);
      assert.equal(await row.count(), 1, `${label} is listed`);
      assert.equal(await row.locator('.tname').textContent(), name, `${label} root span`);
      assert.equal(await row.locator('td').nth(2).textContent(), user, `${label} user`);
    }
    for (const traceId of [...session.workflowRuns.map((r) => r.traceId), session.cancelledJob.runTraceId, session.failedRun.traceId]) {
      assert.equal(await traceRow(traceId).locator('.chip.wf').textContent(), 'document-triage');
    }
    // Only the failing run is marked as an error: the cancelled job is not a failure.
    const failed = page.locator('#trace-table tbody tr.err');
    assert.equal(await failed.count(), 1);
    assert.equal(await failed.getAttribute('data-trace-id'), session.failedRun.traceId);
    assert.match(page.url(), new RegExp(`\\?token=${TOKEN}`));
    await page.screenshot({ path: artifactPath('sample-explorer-traces.png'), fullPage: true });
  });

  it('opens a document-triage run: its waterfall with summarize and classify in parallel, cost per call and in total', async () => {
    const run = session.workflowRuns[0]!;
    const trace = inTrace(run.traceId);
    await traceRow(run.traceId).click();
    await waterfallRows().first().waitFor();

    assert.deepEqual((await waterfallRows().locator('.label').allTextContents()).sort(), trace.map((s) => s.name).sort());
    for (const node of ['node fetch', 'node summarize', 'node classify', 'node merge']) assert.equal(await waterfallRow(node).count(), 1, node);

    const group = await waterfallRow('node summarize').getAttribute('data-parallel-group');
    assert.ok(group, 'summarize is marked as parallel');
    assert.equal(await waterfallRow('node classify').getAttribute('data-parallel-group'), group, 'classify ran in the same parallel group');
    assert.equal(await waterfallRow('node summarize').locator('.par-tag').textContent(), `∥${group}`);
    for (const node of ['node fetch', 'node merge']) {
      assert.equal(await waterfallRow(node).getAttribute('data-parallel-group'), null, `${node} ran alone`);
    }
    const parallel = (await page.locator('#parallel-groups li').allTextContents()).find((li) => li.startsWith(`∥${group} `)) ?? '';
    assert.match(parallel, /2 spans in parallel under invoke_workflow document-triage: (node summarize, node classify|node classify, node summarize)/);

    // Each LLM call shows its own cost; the workflow its rollup; the summary the trace total.
    const calls = providerCalls(trace);
    assert.equal(calls.length, 2);
    for (const call of calls) {
      const cost = page.locator(`#waterfall .wf-row[data-span-id="${call.spanContext().spanId}"] .wf-cost.own`);
      assertUsd(await cost.textContent(), Number(call.attributes[CostAttributes.USD]), call.name);
    }
    const workflow = trace.find((s) => s.name === 'invoke_workflow document-triage')!;
    const rollup = (await waterfallRow('invoke_workflow document-triage').locator('.wf-cost.sum').textContent()) ?? '';
    assert.ok(rollup.startsWith('Σ '), rollup);
    assertUsd(rollup, Number(workflow.attributes[CostAttributes.TOTAL_USD]), 'workflow rollup');
    assertUsd(await summaryValue(page.locator('#trace-summary .meta > div'), 'Cost').textContent(), costOf(trace), 'trace total');
    await page.screenshot({ path: artifactPath('sample-explorer-workflow.png'), fullPage: true });
  });

  it('opens the cost view grouped by user: alice and bob, each with the cost of their LLM calls', async () => {
    await page.click('nav a[data-tab="cost"]');
    const rows = page.locator('#cost-table tbody tr');
    await rows.first().waitFor();
    assert.deepEqual((await rows.locator('td:first-child').allTextContents()).sort(), ['alice', 'bob']);
    for (const user of ['alice', 'bob']) {
      const own = spans.filter((s) => s.attributes[AttributionAttributes.USER_ID] === user);
      const row = rows.filter({ has: page.locator('td:first-child').getByText(user, { exact: true }) });
      assertUsd(await row.locator('.cost').textContent(), costOf(own), `cost of ${user}`);
    }
    assertUsd(await summaryValue(page.locator('#cost-totals .kpi'), 'Total cost').textContent(), costOf(spans), 'total cost');
    await page.screenshot({ path: artifactPath('sample-explorer-cost.png'), fullPage: true });
  });
});

/** Trace ids of every root the demo session started. */
function demoTraceIds(session: DemoSession): string[] {
  return [
    ...session.workflowRuns.map((r) => r.traceId),
    session.agentTask.traceId,
    session.chat.traceId,
    session.cancelledJob.runTraceId,
    session.failedRun.traceId,
    ...('ran' in session.queuedRun ? [session.queuedRun.ran.traceId] : []),
  ];
}

/** The value (`<b>`) of the one item (caption `<span>`, value `<b>`) among `items` captioned `caption`. */
function summaryValue(items: Locator, caption: string): Locator {
  return items.filter({ has: items.page().locator('span').getByText(caption, { exact: true }) }).locator('b');
}

/**
 * The page rounds dollars to 3 significant digits and at most 6 decimals: `text` must show `usd` within that.
 */
function assertUsd(text: string | null, usd: number, what: string): void {
  const shown = /\$(\d+(?:\.\d+)?)/.exec(text ?? '');
  assert.ok(shown, `${what}: "${text}" shows a dollar amount`);
  assert.ok(usd > 0, `${what}: the spans carry a cost`);
  const tolerance = Math.max(usd * 0.005, 0.5e-6) + 1e-12;
  assert.ok(Math.abs(Number(shown[1]) - usd) <= tolerance, `${what}: page shows ${text}, spans say $${usd}`);
}
