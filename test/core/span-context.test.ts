import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { context, createContextKey, propagation, trace } from '@opentelemetry/api';
import { runInSpan } from '../../lib/core/span-engine.js';
import { parentOf, spanNamed } from '../support/tracing-harness.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import type { AuditedApp } from '../support/span-audit.js';

const audited = auditedAppPerTest();
let app: AuditedApp;

beforeEach(async () => {
  app = await audited.boot();
});

const KEY = createContextKey('test:value');

/** The context a traced call runs in is built in one step (span + library scope): it must behave as the API's does. */
describe('the context of a traced call', () => {
  it('carries its span, takes values set on it by others, and deletes them', () => {
    runInSpan({ name: 'outer', role: 'manual' }, () => {
      const active = context.active();
      assert.equal(trace.getSpan(active), trace.getActiveSpan());
      const withValue = active.setValue(KEY, 'v');
      assert.equal(withValue.getValue(KEY), 'v');
      assert.equal(active.getValue(KEY), undefined, 'setValue returns a new context, the old one unchanged');
      assert.equal(trace.getSpan(withValue), trace.getSpan(active), 'the span survives a setValue of another key');
      assert.equal(withValue.deleteValue(KEY).getValue(KEY), undefined);
      const baggage = propagation.setBaggage(withValue, propagation.createBaggage({ user: { value: 'u-1' } }));
      assert.equal(propagation.getBaggage(baggage)?.getEntry('user')?.value, 'u-1');
      assert.equal(trace.getSpan(active.deleteValue(Symbol.for('OpenTelemetry Context Key SPAN'))), undefined, 'trace.deleteSpan works');
    });
  });

  it('a span set over it by hand parents the next traced call; the values above stay visible below', () => {
    const manualSpanId = 'abcdef0123456789';
    runInSpan({ name: 'outer', role: 'manual' }, () => {
      const manual = trace.wrapSpanContext({ ...trace.getActiveSpan()!.spanContext(), spanId: manualSpanId });
      context.with(trace.setSpan(context.active().setValue(KEY, 'v'), manual), () =>
        runInSpan({ name: 'inner', role: 'manual' }, () => assert.equal(context.active().getValue(KEY), 'v')),
      );
      runInSpan({ name: 'sibling', role: 'manual' }, () => undefined);
    });
    const spans = app.spans();
    assert.equal(spanNamed(spans, 'inner').parentSpanContext?.spanId, manualSpanId);
    assert.equal(parentOf(spans, spanNamed(spans, 'sibling'))?.name, 'outer', 'the overlay set by hand did not leak into the outer context');
  });
});
