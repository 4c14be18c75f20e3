import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeEach, describe, it } from 'node:test';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Observable, type Subscription } from 'rxjs';
import { TraceWorkflow } from '../../lib/index.js';
import { spanNamed } from '../support/tracing-harness.js';
import { ColdSource, readableOf, SdkStream, tick } from './fixtures/return-shapes.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import type { AuditedApp } from '../support/span-audit.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A Promise subclass whose work starts only when awaited, like an SDK's lazy request promise. */
class LazyRequest extends Promise<string> {
  static override get [Symbol.species]() {
    return Promise;
  }
}

/** Results a caller may take and then drop without finishing them. */
class Results {
  readonly cold = new ColdSource();

  @TraceWorkflow({ name: 'observable' })
  observable(): Observable<number> {
    return this.cold.observable([1, 2, 3]);
  }

  @TraceWorkflow({ name: 'forever' })
  forever(): Observable<number> {
    return new Observable<number>(() => undefined);
  }

  @TraceWorkflow({ name: 'stream' })
  stream(): SdkStream {
    return new SdkStream(['a', 'b', 'c', 'd']);
  }

  @TraceWorkflow({ name: 'readable' })
  readable() {
    return readableOf(['a', 'b']);
  }

  @TraceWorkflow({ name: 'request' })
  request(): LazyRequest {
    return new LazyRequest((resolve) => resolve('done'));
  }
}

const audited = auditedAppPerTest();
let app: AuditedApp;
let results: Results;

beforeEach(async () => {
  app = await audited.boot();
  results = new Results();
});

/** Collects garbage until `name` has been exported (bounded); the finalizer runs on a later task. */
async function collectUntilEnded(name: string): Promise<ReadableSpan> {
  for (let round = 0; round < 200; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    const span = app.spans().find((s) => s.name === name);
    if (span) return span;
  }
  throw new Error(`${name} never ended; open: ${app.audit.open().join(', ')}`);
}

/** A few full collections: whatever a consumer still holds must survive them. */
async function collectSeveralTimes(): Promise<void> {
  for (let round = 0; round < 5; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function assertAbandoned(span: ReadableSpan): void {
  assert.equal(span.attributes['workflow.status'], 'cancelled');
  assert.equal(span.status.code, 0, 'not an error');
  const event = span.events.find((e) => e.name === 'cancelled');
  assert.ok(event, 'a cancelled event says why');
  assert.match(String(event.attributes?.['reason']), /released before it finished/);
}

const durationMs = (span: ReadableSpan) => hrTimeToMilliseconds(span.duration);

describe('results dropped unfinished end their span as cancelled when collected', () => {
  it('an Observable nobody subscribed', async () => {
    (() => void results.observable())();
    const span = await collectUntilEnded('invoke_workflow observable');
    assertAbandoned(span);
    assert.equal(results.cold.subscriptions, 0, 'still never subscribed');
  });

  it('a stream nobody read, ended at the time it was returned', async () => {
    (() => void results.stream())();
    const span = await collectUntilEnded('invoke_workflow stream');
    assertAbandoned(span);
    assert.ok(durationMs(span) < 1000, 'ends at its last sign of life, not at collection time');
  });

  it('a stream read half-way and dropped', async () => {
    await (async () => {
      const iterator = results.stream()[Symbol.asyncIterator]();
      assert.equal((await iterator.next()).done, false);
      assert.equal((await iterator.next()).done, false);
    })();
    assertAbandoned(await collectUntilEnded('invoke_workflow stream'));
  });

  it('a Node readable nobody read', async () => {
    (() => void results.readable())();
    assertAbandoned(await collectUntilEnded('invoke_workflow readable'));
  });

  it('a Promise subclass nobody awaited', async () => {
    (() => void results.request())();
    assertAbandoned(await collectUntilEnded('invoke_workflow request'));
  });
});

describe('results still in use are never ended by collection', () => {
  it('a stream whose iterator is held (the stream object itself dropped) ends normally', async () => {
    const iterator = (() => results.stream()[Symbol.asyncIterator]())();
    assert.equal((await iterator.next()).done, false);
    await collectSeveralTimes();
    assert.equal(app.spans().length, 0, 'still open');
    while (!(await iterator.next()).done) await tick();
    assert.equal(spanNamed(app.spans(), 'invoke_workflow stream').attributes['workflow.status'], 'completed');
  });

  it('a subscribed Observable whose reference is dropped ends on unsubscribe, not on collection', async () => {
    const subscription: Subscription = (() => results.forever().subscribe())();
    await collectSeveralTimes();
    assert.equal(app.spans().length, 0, 'still open while subscribed');
    subscription.unsubscribe();
    const span = spanNamed(app.spans(), 'invoke_workflow forever');
    assert.equal(span.attributes['workflow.status'], 'cancelled');
    assert.equal(span.events.length, 0, 'an ordinary unsubscribe, not an abandonment');
  });

  it('an awaited Promise subclass ends when it settles', async () => {
    assert.equal(await results.request(), 'done');
    await collectSeveralTimes();
    assert.equal(spanNamed(app.spans(), 'invoke_workflow request').attributes['workflow.status'], 'completed');
  });
});
