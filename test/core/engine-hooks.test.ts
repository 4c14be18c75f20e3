import assert from 'node:assert/strict';
import { types } from 'node:util';
import { beforeEach, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { lastValueFrom, of, toArray } from 'rxjs';
import { runInSpan, type SpanSpec } from '../../lib/core/span-engine.js';
import { spanNamed } from '../support/tracing-harness.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import type { AuditedApp } from '../support/span-audit.js';
import { SdkStream, tick } from './fixtures/return-shapes.js';

const audited = auditedAppPerTest();
let app: AuditedApp;

beforeEach(async () => {
  app = await audited.boot();
});

const explode = (): never => {
  throw new Error('hook exploded');
};

/** Every hook throws: the engine must still return/throw exactly what the traced function does. */
const hostile = (name: string): SpanSpec => ({
  name,
  role: 'manual',
  onStart: explode,
  onResult: explode,
  onChunk: explode,
  onError: explode,
  onEnd: explode,
  input: explode,
  captureContent: true,
});

describe('runInSpan with throwing hooks', () => {
  it('sync value and sync throw pass through; the span still ends', () => {
    assert.equal(runInSpan(hostile('value'), () => 7), 7);
    const error = new Error('own');
    assert.throws(() => runInSpan(hostile('throw'), () => {
      throw error;
    }), (thrown) => thrown === error);
    assert.deepEqual(app.spans().map((s) => s.name), ['value', 'throw']);
  });

  it('Promise, Observable and stream results pass through', async () => {
    assert.equal(await runInSpan(hostile('promise'), async () => 'p'), 'p');
    assert.deepEqual(await lastValueFrom(runInSpan(hostile('observable'), () => of(1, 2)).pipe(toArray())), [1, 2]);
    const parts: string[] = [];
    for await (const chunk of runInSpan(hostile('stream'), () => new SdkStream(['a', 'b']))) parts.push(chunk.delta);
    assert.deepEqual(parts, ['a', 'b']);
    assert.deepEqual(app.spans().map((s) => s.name), ['promise', 'observable', 'stream']);
  });
});

describe('endAfter', () => {
  it('the span ends once the call settled and the condition settled, with onEnd run then', async () => {
    let release!: () => void;
    const condition = new Promise<void>((resolve) => (release = resolve));
    let ended = 0;
    const result = runInSpan({ name: 'deferred', role: 'manual', endAfter: () => condition, onEnd: () => void ended++ }, () => 'now');
    assert.equal(result, 'now', 'the call itself is not delayed');
    await tick();
    assert.equal(app.spans().length, 0);
    assert.equal(ended, 0);
    release();
    await tick();
    assert.equal(ended, 1);
    assert.equal(spanNamed(app.spans(), 'deferred').status.code, SpanStatusCode.UNSET);
  });

  it('a rejected or throwing condition still ends the span', async () => {
    runInSpan({ name: 'rejected', role: 'manual', endAfter: () => Promise.reject(new Error('gone')) }, () => 1);
    runInSpan({ name: 'throwing', role: 'manual', endAfter: explode }, () => 1);
    await tick();
    assert.deepEqual(app.spans().map((s) => s.name).sort(), ['rejected', 'throwing']);
  });
});

describe('TracingService.withSpan', () => {
  it('stays synchronous for sync work, hands the active span in, nests what runs inside', async () => {
    const result = app.tracing.withSpan('outer', (span) => {
      span.setAttribute('custom', 1);
      return app.tracing.withSpan('inner', () => trace.getActiveSpan()?.spanContext().spanId);
    });
    assert.equal(typeof result, 'string');
    assert.equal(types.isPromise(result), false);
    const outer = spanNamed(app.spans(), 'outer');
    const inner = spanNamed(app.spans(), 'inner');
    assert.equal(inner.spanContext().spanId, result);
    assert.equal(inner.parentSpanContext?.spanId, outer.spanContext().spanId);
    assert.equal(outer.attributes['custom'], 1);
    assert.equal(outer.attributes['gen_ai.span.type'], 'manual', 'kept by Langfuse’s filter');
    assert.equal(outer.kind, SpanKind.INTERNAL);
    await assert.rejects(app.tracing.withSpan('failing', async () => Promise.reject(new RangeError('x'))), RangeError);
    assert.equal(spanNamed(app.spans(), 'failing').attributes['error.type'], 'RangeError');
  });
});
