import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AttributionAttributes, TracingConfigError, TracingModule, TracingService, WorkflowAttributes } from '../../lib/index.js';
import { configuredBy } from '../support/config-service.js';
import { createTracedApp, spanNamed, type TracedApp } from '../support/tracing-harness.js';
import { GARBAGE_CARRIERS, VALID_TRACEPARENT } from './fixtures/garbage-carriers.js';

/** Runs `work` as `alice` of `acme` inside a span named `sender`, and returns what it returned. */
function asAlice<T>(tracing: TracingService, work: () => T): T {
  return tracing.withAttribution({ userId: 'alice', tenantId: 'acme', jobId: 'job-7' }, () => tracing.withSpan('sender', work));
}

describe('TracingService.inject / extract', () => {
  let traced: TracedApp;
  let tracing: TracingService;

  before(async () => {
    traced = await createTracedApp({ listen: false });
    tracing = traced.tracing;
  });
  afterEach(() => tracing.resetFinishedSpans());
  after(() => traced.close());

  it('carries the trace and the attribution: spans on the other side are children of the sender, with its user', async () => {
    const carrier = asAlice(tracing, () => tracing.inject({ existing: 'kept' }));
    assert.equal(carrier.existing, 'kept');
    assert.match(String((carrier as Record<string, unknown>).traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal((carrier as Record<string, unknown>)['ai-tracing-attribution'], 'userId=alice,tenantId=acme,jobId=job-7');

    const answer = await tracing.extract(JSON.parse(JSON.stringify(carrier)), () => tracing.withSpan('receiver', async () => 'done'));
    assert.equal(answer, 'done');
    const spans = traced.spans();
    const sender = spanNamed(spans, 'sender');
    const receiver = spanNamed(spans, 'receiver');
    assert.equal(receiver.spanContext().traceId, sender.spanContext().traceId);
    assert.equal(receiver.parentSpanContext?.spanId, sender.spanContext().spanId);
    assert.equal(receiver.attributes[AttributionAttributes.USER_ID], 'alice');
    assert.equal(receiver.attributes[AttributionAttributes.TENANT_ID], 'acme');
    assert.equal(receiver.attributes[WorkflowAttributes.JOB_ID], 'job-7');
  });

  it('writes into header collections (fetch Headers, Map) and reads them back', () => {
    for (const carrier of [new Headers(), new Map<string, string>()]) {
      asAlice(tracing, () => tracing.inject(carrier));
      assert.match(carrier.get('traceparent') ?? '', /^00-/);
      const user = tracing.extract(carrier, () => tracing.withSpan('read', (span) => (span as unknown as ReadableSpan).attributes[AttributionAttributes.USER_ID]));
      assert.equal(user, 'alice');
    }
  });

  it('replaces the current context: the carrier decides the parent, not the span extract runs in', () => {
    tracing.withAttribution({ userId: 'bob' }, () =>
      tracing.withSpan('unrelated', () => tracing.extract({ traceparent: VALID_TRACEPARENT }, () => tracing.withSpan('remote child', () => undefined))),
    );
    const child = spanNamed(traced.spans(), 'remote child');
    assert.equal(child.spanContext().traceId, VALID_TRACEPARENT.split('-')[1]);
    assert.equal(child.attributes[AttributionAttributes.USER_ID], undefined);
  });

  for (const { label, carrier, joinsTrace } of GARBAGE_CARRIERS) {
    it(`garbage carrier (${label}): no throw, ${joinsTrace ? 'the valid trace is joined' : 'a new trace'}, no attribution`, () => {
      const result = tracing.extract(carrier, () => tracing.withSpan('after garbage', () => 'ran'));
      assert.equal(result, 'ran');
      const span = spanNamed(traced.spans(), 'after garbage');
      assert.equal(span.parentSpanContext?.spanId, joinsTrace ? VALID_TRACEPARENT.split('-')[2] : undefined);
      assert.equal(span.attributes[AttributionAttributes.USER_ID], undefined);
    });
  }
});

describe('propagation.attribution', () => {
  const cases = [
    { mode: 'send', sends: true, accepts: false },
    { mode: 'accept', sends: false, accepts: true },
    { mode: 'none', sends: false, accepts: false },
  ] as const;
  for (const { mode, sends, accepts } of cases) {
    it(`'${mode}': ${sends ? 'sends' : 'does not send'} and ${accepts ? 'accepts' : 'ignores'} the attribution; the trace travels either way`, async () => {
      const traced = await createTracedApp({ listen: false, tracing: { propagation: { attribution: mode } } });
      try {
        const carrier = asAlice(traced.tracing, () => traced.tracing.inject({}));
        assert.equal('ai-tracing-attribution' in carrier, sends);
        assert.ok('traceparent' in carrier);
        traced.tracing.extract({ traceparent: VALID_TRACEPARENT, 'ai-tracing-attribution': 'userId=carol' }, () => traced.tracing.withSpan('received', () => undefined));
        const span = spanNamed(traced.spans(), 'received');
        assert.equal(span.parentSpanContext?.spanId, VALID_TRACEPARENT.split('-')[2]);
        assert.equal(span.attributes[AttributionAttributes.USER_ID], accepts ? 'carol' : undefined);
      } finally {
        await traced.close();
      }
    });
  }

  it("TRACING_PROPAGATE_ATTRIBUTION=send (through ConfigService): sends it, ignores what arrives", async () => {
    const traced = await createTracedApp({ listen: false, ...(await configuredBy({ TRACING_PROPAGATE_ATTRIBUTION: 'send' }, { exporter: 'memory' })) });
    try {
      const carrier = asAlice(traced.tracing, () => traced.tracing.inject({}));
      assert.equal('ai-tracing-attribution' in carrier, true);
      traced.tracing.extract({ traceparent: VALID_TRACEPARENT, 'ai-tracing-attribution': 'userId=carol' }, () => traced.tracing.withSpan('received', () => undefined));
      assert.equal(spanNamed(traced.spans(), 'received').attributes[AttributionAttributes.USER_ID], undefined);
    } finally {
      await traced.close();
    }
  });

  it('a bad value fails bootstrap naming the option or the variable', async () => {
    await assert.rejects(
      createTracedApp({ listen: false, tracing: { propagation: { attribution: 'yes' as never } } }),
      (error: unknown) => error instanceof TracingConfigError && /propagation\.attribution="yes": expected one of "both", "send", "accept", "none"/.test(error.message),
    );
    process.env.TRACING_PROPAGATE_ATTRIBUTION = 'sometimes';
    try {
      await assert.rejects(createTracedApp({ listen: false }), /TRACING_PROPAGATE_ATTRIBUTION="sometimes"/);
    } finally {
      delete process.env.TRACING_PROPAGATE_ATTRIBUTION;
    }
  });
});

describe('inject / extract with tracing disabled', () => {
  it('writes nothing and just runs the function', async () => {
    const traced = await createTracedApp({ listen: false, tracingModule: TracingModule.forRoot({ enabled: false, exporter: 'memory' }) });
    try {
      const carrier = traced.tracing.withAttribution({ userId: 'alice' }, () => traced.tracing.inject({}));
      assert.deepEqual(carrier, {});
      assert.equal(traced.tracing.extract({ traceparent: VALID_TRACEPARENT }, () => 'ran'), 'ran');
    } finally {
      await traced.close();
    }
  });
});
