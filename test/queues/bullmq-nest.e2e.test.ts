import 'reflect-metadata';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  AttributionAttributes,
  BullMqAttributes,
  CostAttributes,
  CostService,
  MessagingAttributes,
  WorkflowAttributes,
} from '../../lib/index.js';
import { ACME_PRICE, acmeCost } from '../propagation/fixtures/priced-work.js';
import { createTracedApp, parentOf, spanNamed, waitForSpans, type TracedApp } from '../support/tracing-harness.js';
import { deleteKeys, uniquePrefix } from './fixtures/redis.js';
import { triageQueueModule, type TriageJob } from './fixtures/triage-queue.js';

const header = (name: string) => (request: unknown) => {
  const value = (request as { headers: Record<string, string | undefined> }).headers[name];
  return typeof value === 'string' ? value : undefined;
};

describe('BullMQ with @nestjs/bullmq: the request, the job and its work in one trace', () => {
  const prefix = uniquePrefix('bullmq-nest');
  const queue = 'triage';
  let traced: TracedApp;

  before(async () => {
    traced = await createTracedApp({
      ...triageQueueModule(queue, prefix),
      tracing: { pricing: { models: [ACME_PRICE] }, http: { userId: header('x-user-id'), tenantId: header('x-tenant-id') } },
    });
  });
  afterEach(() => traced.tracing.resetFinishedSpans());
  after(async () => {
    await traced.close();
    await deleteKeys(prefix);
  });

  async function enqueue(body: TriageJob, user: string, tenant = 'acme'): Promise<string> {
    const response = await fetch(`${traced.url}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': user, 'x-tenant-id': tenant },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 201);
    return ((await response.json()) as { jobId: string }).jobId;
  }

  /** Finished spans once `count` attempts of job `jobId` ended, and the final one had a successful workflow under it. */
  async function jobSpans(jobId: string, attempts = 1): Promise<ReadableSpan[]> {
    return waitForSpans(traced.spans, (spans) => {
      const consumers = spans.filter((s) => s.name === `process ${queue}` && s.attributes[MessagingAttributes.MESSAGE_ID] === jobId);
      return consumers.length === attempts && spans.some((s) => s.name === 'POST /runs');
    });
  }

  it('request -> send (PRODUCER) -> process (CONSUMER) -> workflow -> provider, attributed to the enqueuing user, cost rolled up', async () => {
    const jobId = await enqueue({ text: 'ticket 4711', inputTokens: 1200, outputTokens: 300 }, 'alice');
    const spans = await jobSpans(jobId);
    const request = spanNamed(spans, 'POST /runs');
    const producer = spanNamed(spans, `send ${queue}`);
    const consumer = spanNamed(spans, `process ${queue}`);
    const workflow = spanNamed(spans, 'invoke_workflow summarize');
    const provider = spanNamed(spans, 'chat acme-1');

    assert.equal(parentOf(spans, producer), request);
    assert.equal(parentOf(spans, consumer), producer);
    assert.equal(parentOf(spans, workflow), consumer);
    assert.equal(parentOf(spans, provider), workflow);
    assert.equal(new Set([request, producer, consumer, workflow, provider].map((s) => s.spanContext().traceId)).size, 1);

    assert.equal(producer.kind, SpanKind.PRODUCER);
    assert.equal(consumer.kind, SpanKind.CONSUMER);
    for (const [span, type, operation] of [[producer, 'send', 'add'], [consumer, 'process', 'process']] as const) {
      assert.equal(span.attributes[MessagingAttributes.SYSTEM], 'bullmq');
      assert.equal(span.attributes[MessagingAttributes.DESTINATION_NAME], queue);
      assert.equal(span.attributes[MessagingAttributes.OPERATION_TYPE], type);
      assert.equal(span.attributes[MessagingAttributes.OPERATION_NAME], operation);
      assert.equal(span.attributes[MessagingAttributes.MESSAGE_ID], jobId);
      assert.equal(span.attributes['bullmq.job.name'], 'triage');
    }
    assert.equal(consumer.attributes[BullMqAttributes.ATTEMPT], 1);
    assert.equal(typeof consumer.attributes[BullMqAttributes.QUEUE_WAIT_MS], 'number');
    assert.ok((consumer.attributes[BullMqAttributes.QUEUE_WAIT_MS] as number) >= 0);
    assert.equal(consumer.status.code, SpanStatusCode.UNSET);
    // The job's return value is content: not recorded unless asked for.
    assert.ok(consumer.events.every((e) => !('bullmq.job.result' in (e.attributes ?? {}))));

    for (const span of [consumer, workflow, provider]) {
      assert.equal(span.attributes[AttributionAttributes.USER_ID], 'alice', span.name);
      assert.equal(span.attributes[AttributionAttributes.TENANT_ID], 'acme', span.name);
    }
    assert.equal(workflow.attributes[WorkflowAttributes.JOB_ID], jobId);
    const cost = acmeCost(1200, 300);
    assert.equal(provider.attributes[CostAttributes.USD], cost);
    assert.equal(consumer.attributes[CostAttributes.TOTAL_USD], cost);
    assert.equal(consumer.attributes[CostAttributes.LLM_CALLS], 1);
    // The request ended long before the job ran: nothing of the job's cost is on it.
    assert.equal(request.attributes[CostAttributes.TOTAL_USD], undefined);

    const byUser = traced.app.get(CostService).report({ groupBy: ['user', 'tenant'] });
    const alice = byUser.find((row) => row.key.user === 'alice');
    assert.deepEqual(alice && { key: alice.key, totalUsd: alice.totalUsd, calls: alice.calls }, { key: { user: 'alice', tenant: 'acme' }, totalUsd: cost, calls: 1 });
  });

  it('shows each attempt of a retried job as its own consumer span under the same producer, failed ones ERROR', async () => {
    const jobId = await enqueue({ text: 'flaky', inputTokens: 10, outputTokens: 5, failAttempts: 2 }, 'bob');
    const spans = await jobSpans(jobId, 3);
    const producer = spanNamed(spans, `send ${queue}`);
    const attempts = spans
      .filter((s) => s.name === `process ${queue}`)
      .sort((a, b) => Number(a.attributes[BullMqAttributes.ATTEMPT]) - Number(b.attributes[BullMqAttributes.ATTEMPT]));
    assert.deepEqual(
      attempts.map((s) => [s.attributes[BullMqAttributes.ATTEMPT], s.status.code, s.attributes['error.type'] ?? null, s.attributes['bullmq.job.attempts.made']]),
      [
        [1, SpanStatusCode.ERROR, 'Error', 1],
        [2, SpanStatusCode.ERROR, 'Error', 2],
        [3, SpanStatusCode.UNSET, null, 3],
      ],
    );
    assert.equal(attempts[0]!.events.find((e) => e.name === 'exception')?.attributes?.['exception.message'], 'attempt 1 failed');
    for (const attempt of attempts) {
      assert.equal(parentOf(spans, attempt), producer);
      assert.equal(attempt.attributes[AttributionAttributes.USER_ID], 'bob');
    }
    // Only the successful attempt reached the provider.
    assert.equal(parentOf(spans, parentOf(spans, spanNamed(spans, 'chat acme-1'))!), attempts[2]);
    assert.equal(attempts[0]!.attributes[BullMqAttributes.QUEUE_WAIT_MS] !== undefined, true);
    assert.equal(attempts[1]!.attributes[BullMqAttributes.QUEUE_WAIT_MS], undefined);
  });

  it('records the delay of a delayed job on both sides, and the queue wait after it', async () => {
    const jobId = await enqueue({ text: 'later', inputTokens: 1, outputTokens: 1, delay: 30 }, 'carol');
    const spans = await jobSpans(jobId);
    const producer = spanNamed(spans, `send ${queue}`);
    const consumer = spanNamed(spans, `process ${queue}`);
    assert.equal(producer.attributes[BullMqAttributes.DELAY_MS], 30);
    assert.equal(consumer.attributes[BullMqAttributes.DELAY_MS], 30);
    assert.ok((consumer.attributes[BullMqAttributes.QUEUE_WAIT_MS] as number) >= 0);
  });
});
