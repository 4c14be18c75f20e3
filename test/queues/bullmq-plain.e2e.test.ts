import 'reflect-metadata';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { FlowProducer, Queue, Worker, type Job } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  AttributionAttributes,
  BullMqTelemetry,
  CostAttributes,
  CostService,
  MessagingAttributes,
  TracingModule,
  type TracingModuleOptions,
  type TracingService,
} from '../../lib/index.js';
import { GARBAGE_CARRIERS, VALID_TRACEPARENT } from '../propagation/fixtures/garbage-carriers.js';
import { ACME_PRICE, acmeCost, AcmeLlm, SummarizeWorkflow, type PricedTask } from '../propagation/fixtures/priced-work.js';
import { collectMetrics } from '../support/metric-reader.js';
import { RecordingExporter, spansExportedBy } from '../support/recording-exporter.js';
import { createTracedApp, parentOf, spanNamed, waitForSpans, type TracedApp } from '../support/tracing-harness.js';
import { deleteKeys, REDIS, uniquePrefix } from './fixtures/redis.js';

const telemetry = new BullMqTelemetry();

describe('BullMQ Queue, Worker and FlowProducer with BullMqTelemetry', () => {
  const prefix = uniquePrefix('bullmq-plain');
  let traced: TracedApp;
  let tracing: TracingService;
  let workflow: SummarizeWorkflow;
  const closers: Array<{ close(): Promise<unknown> }> = [];

  before(async () => {
    traced = await createTracedApp({ listen: false, providers: [AcmeLlm, SummarizeWorkflow], tracing: { pricing: { models: [ACME_PRICE] } } });
    tracing = traced.tracing;
    workflow = traced.app.get(SummarizeWorkflow);
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c.close()));
    tracing.resetFinishedSpans();
  });
  after(async () => {
    await traced.close();
    await deleteKeys(prefix);
  });

  function queue<T>(name: string, options: { telemetry?: unknown } = { telemetry }): Queue<T> {
    const q = new Queue<T>(name, { connection: REDIS, prefix, ...(options as object) });
    closers.push(q);
    return q;
  }

  function workers(name: string, count: number, concurrency: number, process: (job: Job) => Promise<unknown>): void {
    for (let i = 0; i < count; i++) closers.push(new Worker(name, process, { connection: REDIS, prefix, telemetry, concurrency }));
  }

  it('200 concurrent enqueues by 200 users, 4 workers: no span under the wrong parent, no cost under the wrong user', async () => {
    const name = 'fan-out';
    const q = queue<PricedTask & { user: string }>(name);
    const costService = traced.app.get(CostService);
    const usersBefore = new Set(costService.report({ groupBy: ['user'] }).map((r) => r.key.user));
    workers(name, 4, 5, (job: Job<PricedTask & { user: string }>) => workflow.run({ ...job.data, jobId: job.id }));
    const jobs = Array.from({ length: 200 }, (_, i) => ({ user: `user-${i}`, text: `doc ${i}`, inputTokens: 100 + i, outputTokens: 10 + (i % 17) }));
    await Promise.all(
      jobs.map((data) =>
        tracing.withAttribution({ userId: data.user, tenantId: `tenant-${data.user}` }, () =>
          tracing.withSpan(`enqueue ${data.user}`, () => q.add('summarize', data)),
        ),
      ),
    );
    const spans = await waitForSpans(traced.spans, (all) => all.filter((s) => s.name === 'chat acme-1').length === 200 && all.filter((s) => s.name === `process ${name}`).length === 200);

    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const up = (span: ReadableSpan) => byId.get(span.parentSpanContext?.spanId ?? '');
    for (const data of jobs) {
      const enqueue = spanNamed(spans, `enqueue ${data.user}`);
      const producers = spans.filter((s) => up(s) === enqueue);
      assert.deepEqual(producers.map((s) => s.name), [`send ${name}`], data.user);
      const jobId = producers[0]!.attributes[MessagingAttributes.MESSAGE_ID];
      const consumers = spans.filter((s) => s.name === `process ${name}` && s.attributes[MessagingAttributes.MESSAGE_ID] === jobId);
      assert.equal(consumers.length, 1, data.user);
      const consumer = consumers[0]!;
      assert.equal(up(consumer), producers[0], `${data.user}: consumer under its own producer`);
      const run = spans.filter((s) => up(s) === consumer);
      assert.deepEqual(run.map((s) => s.name), ['invoke_workflow summarize'], data.user);
      const calls = spans.filter((s) => up(s) === run[0]);
      assert.deepEqual(calls.map((s) => s.name), ['chat acme-1'], data.user);
      const cost = acmeCost(data.inputTokens, data.outputTokens);
      for (const span of [consumer, run[0]!, calls[0]!]) {
        assert.equal(span.spanContext().traceId, enqueue.spanContext().traceId, `${data.user}: ${span.name} in the enqueuing trace`);
        assert.equal(span.attributes[AttributionAttributes.USER_ID], data.user, `${data.user}: ${span.name} user`);
        assert.equal(span.attributes[AttributionAttributes.TENANT_ID], `tenant-${data.user}`);
      }
      assert.equal(calls[0]!.attributes[CostAttributes.USD], cost);
      assert.equal(consumer.attributes[CostAttributes.TOTAL_USD], cost);
    }
    const report = costService.report({ groupBy: ['user', 'tenant'] }).filter((r) => !usersBefore.has(r.key.user ?? null));
    assert.equal(report.length, 200);
    for (const data of jobs) {
      const row = report.find((r) => r.key.user === data.user);
      assert.deepEqual(row && [row.key.tenant, row.calls, row.totalUsd], [`tenant-${data.user}`, 1, acmeCost(data.inputTokens, data.outputTokens)], data.user);
    }
  });

  it('a garbage or forged carrier starts a new trace (or joins only a valid parent), attributes nothing, and the job still runs', async () => {
    const name = 'garbage';
    // Jobs as a buggy or hostile producer would write them: BullMQ's telemetry field set by hand.
    const producer = queue<{ label: string }>(name, {});
    const processed: string[] = [];
    workers(name, 1, 4, async (job: Job<{ label: string }>) => {
      processed.push(job.data.label);
      return tracing.withSpan(`work ${job.data.label}`, () => 'ok');
    });
    const raw: Array<{ label: string; metadata: unknown; joinsTrace?: boolean }> = [
      ...GARBAGE_CARRIERS.map(({ label, carrier, joinsTrace }) => ({ label, metadata: JSON.stringify(carrier) ?? '', joinsTrace })),
      { label: 'not JSON', metadata: '{"traceparent": "00-4bf9' },
      { label: 'metadata of the wrong type', metadata: 42 },
      { label: 'oversized metadata', metadata: JSON.stringify({ traceparent: VALID_TRACEPARENT, pad: 'x'.repeat(20_000), 'ai-tracing-attribution': 'userId=mallory' }) },
    ];
    await producer.addBulk(raw.map(({ label, metadata }) => ({ name: 'job', data: { label }, opts: { telemetry: { metadata: metadata as string } } })));
    const spans = await waitForSpans(traced.spans, (all) => all.filter((s) => s.name === `process ${name}`).length === raw.length && all.filter((s) => s.name.startsWith('work ')).length === raw.length);
    assert.deepEqual([...processed].sort(), raw.map((r) => r.label).sort());
    for (const { label, joinsTrace } of raw) {
      const work = spanNamed(spans, `work ${label}`);
      const consumer = parentOf(spans, work)!;
      assert.equal(consumer.name, `process ${name}`, label);
      assert.equal(consumer.parentSpanContext?.spanId, joinsTrace ? VALID_TRACEPARENT.split('-')[2] : undefined, label);
      assert.equal(consumer.attributes[AttributionAttributes.USER_ID], undefined, label);
      assert.equal(work.attributes[AttributionAttributes.USER_ID], undefined, label);
    }
  });

  it('records messaging.process.duration per attempt, by queue and outcome (never by job or user)', async () => {
    const recorded = collectMetrics();
    try {
      const name = 'metered';
      workers(name, 1, 1, async (job: Job) => {
        if (job.attemptsMade === 0) throw new TypeError('first attempt fails');
        return 'ok';
      });
      await tracing.withAttribution({ userId: 'erin' }, () => queue(name).add('job', {}, { attempts: 2 }));
      await waitForSpans(traced.spans, (all) => all.filter((s) => s.name === `process ${name}`).length === 2);
      const points = (await recorded.histogram('messaging.process.duration')).filter((p) => p.attributes[MessagingAttributes.DESTINATION_NAME] === name);
      assert.deepEqual(
        points.map((p) => [p.attributes, p.count]).sort((a, b) => String((a[0] as { outcome: string }).outcome).localeCompare(String((b[0] as { outcome: string }).outcome))),
        [
          [{ 'messaging.system': 'bullmq', 'messaging.destination.name': name, 'messaging.operation.name': 'process', outcome: 'error', 'error.type': 'TypeError' }, 1],
          [{ 'messaging.system': 'bullmq', 'messaging.destination.name': name, 'messaging.operation.name': 'process', outcome: 'ok' }, 1],
        ],
      );
    } finally {
      await recorded.close();
    }
  });

  it('consumes jobs added by a bullmq-otel producer in the producer trace (the same metadata format)', async () => {
    const name = 'interop';
    const producer = queue<PricedTask>(name, { telemetry: new BullMQOtel({ tracerName: 'bullmq-otel-producer' }) });
    workers(name, 1, 1, (job: Job<PricedTask>) => workflow.run(job.data));
    await tracing.withSpan('otel producer side', () => producer.add('job', { text: 'x', inputTokens: 1, outputTokens: 1 }));
    const spans = await waitForSpans(traced.spans, (all) => all.some((s) => s.name === `process ${name}`) && all.some((s) => s.name === 'chat acme-1'));
    const consumer = spanNamed(spans, `process ${name}`);
    assert.equal(consumer.spanContext().traceId, spanNamed(spans, 'otel producer side').spanContext().traceId);
    assert.equal(parentOf(spans, consumer)?.name, `add ${name}.job`);
  });

  it('FlowProducer: the flow is one send span, each node a create span, and every node job runs under its own', async () => {
    const flows = new FlowProducer({ connection: REDIS, prefix, telemetry });
    closers.push(flows);
    workers('flow-parent', 1, 2, async (job: Job<PricedTask>) => workflow.run(job.data));
    workers('flow-child', 1, 2, async (job: Job<PricedTask>) => workflow.run(job.data));
    const task = (text: string): PricedTask => ({ text, inputTokens: 10, outputTokens: 2 });
    await tracing.withAttribution({ userId: 'dora' }, () =>
      tracing.withSpan('start flow', () =>
        flows.add({
          name: 'merge',
          queueName: 'flow-parent',
          data: task('merge'),
          opts: {},
          children: [
            { name: 'part', queueName: 'flow-child', data: task('a'), opts: {} },
            { name: 'part', queueName: 'flow-child', data: task('b'), opts: {} },
          ],
        }),
      ),
    );
    // A consumer span ends after its job is moved to completed in Redis, after the work (and its chat span) ended.
    const spans = await waitForSpans(
      traced.spans,
      (all) => all.filter((s) => s.name === 'chat acme-1').length === 3 && all.filter((s) => s.name.startsWith('process flow-')).length === 3,
    );
    const start = spanNamed(spans, 'start flow');
    const flow = spanNamed(spans, 'send flow-parent');
    assert.equal(parentOf(spans, flow), start);
    const creates = spans.filter((s) => s.name.startsWith('create '));
    assert.deepEqual(creates.map((s) => s.name).sort(), ['create flow-child', 'create flow-child', 'create flow-parent']);
    for (const consumer of spans.filter((s) => s.name.startsWith('process flow-'))) {
      const created = parentOf(spans, consumer)!;
      assert.equal(created.name, `create ${consumer.attributes[MessagingAttributes.DESTINATION_NAME]}`);
      assert.equal(created.attributes[MessagingAttributes.MESSAGE_ID], consumer.attributes[MessagingAttributes.MESSAGE_ID]);
      assert.equal(consumer.spanContext().traceId, start.spanContext().traceId);
      assert.equal(consumer.attributes[AttributionAttributes.USER_ID], 'dora');
    }
  });
});

describe('BullMqTelemetry with tracing disabled', () => {
  const prefix = uniquePrefix('bullmq-off');
  // Where spans would land if disabled tracing made any: checked once the app closed (which flushes).
  const exporter = new RecordingExporter();
  let traced: TracedApp;

  before(async () => {
    traced = await createTracedApp({ listen: false, tracingModule: TracingModule.forRoot({ enabled: false, exporter }) });
  });
  after(async () => {
    await traced.close();
    await deleteKeys(prefix);
  });

  it('control: the same kind of exporter receives spans when tracing is on', async () => {
    const boot = (tracing: TracingModuleOptions) => createTracedApp({ listen: false, tracing });
    assert.deepEqual(await spansExportedBy(boot, {}, async (app) => void app.tracing.withSpan('control', () => undefined)), ['control']);
  });

  it('adds and processes jobs exactly as BullMQ without telemetry: same options stored, same results, no spans', async () => {
    const results: Record<string, unknown> = {};
    for (const [label, options] of [['with', { telemetry }], ['without', {}]] as const) {
      const q = new Queue(`off-${label}`, { connection: REDIS, prefix, ...options });
      const done = new Promise<unknown>((resolve, reject) => {
        const worker = new Worker(`off-${label}`, async (job) => ({ doubled: (job.data as { n: number }).n * 2 }), { connection: REDIS, prefix, ...options });
        worker.on('completed', (_job, value) => void worker.close().then(() => resolve(value)));
        worker.on('failed', (_job, error) => reject(error));
      });
      await traced.tracing.withAttribution({ userId: 'alice' }, () => q.add('job', { n: 21 }, { attempts: 2 }));
      const stored = (await q.getJobs(['completed', 'active', 'waiting']))[0];
      results[label] = { value: await done, opts: stored && { ...stored.opts } };
      await q.close();
    }
    assert.deepEqual(results.with, results.without);
    const withTelemetry = results.with as { value: unknown; opts: Record<string, unknown> };
    assert.deepEqual(withTelemetry.value, { doubled: 42 });
    assert.equal(withTelemetry.opts.attempts, 2);
    assert.equal('telemetry' in withTelemetry.opts, false);
    await traced.close();
    assert.deepEqual(exporter.names(), [], 'no span reached the exporter');
  });
});
