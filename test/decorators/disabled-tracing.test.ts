import assert from 'node:assert/strict';
import { types } from 'node:util';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Controller, Get, UseGuards } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { lastValueFrom, Observable, of, toArray } from 'rxjs';
import { TraceAgentTask, TraceNode, TraceProvider, TraceTool, TraceWorkflow } from '../../lib/index.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import type { AuditedApp } from '../support/span-audit.js';
import { waitForSpans } from '../support/tracing-harness.js';
import { LazyQuery, SdkStream } from '../core/fixtures/return-shapes.js';
import { DenyGuard } from '../support/http.js';

/** Returns exactly what it was given, so identity can be checked. */
class PassThrough {
  @TraceWorkflow({ name: 'sync' })
  sync(value: unknown): unknown {
    return value;
  }

  @TraceNode({ nodeType: 'throws', nodeId: () => 'n' })
  throws(error: unknown): never {
    throw error;
  }

  @TraceProvider({ provider: 'openai' })
  promise<T>(value: Promise<T>): Promise<T> {
    return value;
  }

  @TraceAgentTask({ agent: 'a' })
  observable<T>(value: Observable<T>): Observable<T> {
    return value;
  }

  @TraceTool({ name: 'stream' })
  stream<T>(value: T): T {
    return value;
  }

  @TraceWorkflow({ name: 'active' })
  activeSpan(): unknown {
    return trace.getActiveSpan();
  }
}

@Controller('disabled')
class DisabledController {
  @Get('denied')
  @TraceWorkflow({ name: 'denied' })
  @UseGuards(DenyGuard)
  denied(): string {
    return 'secret';
  }

  @Get('ok')
  @TraceWorkflow({ name: 'ok' })
  ok(): string {
    return 'fine';
  }
}

const audited = auditedAppPerTest({ controllers: [DisabledController], providers: [DenyGuard], listen: true });
let app: AuditedApp;
let subject: PassThrough;

/** Every kind of traced call, so the control and the disabled app see the same work. */
async function exerciseEverything(): Promise<void> {
  subject.sync(1);
  assert.throws(() => subject.throws(new Error('e')));
  await subject.promise(Promise.resolve('p'));
  await lastValueFrom(subject.observable(of(1)));
  subject.activeSpan();
  await fetch(`${app.url}/disabled/ok`);
}

describe('control: the same calls with tracing on', () => {
  it('start spans the audited provider sees, so the checks below could fail', async () => {
    app = await audited.boot();
    subject = new PassThrough();
    await exerciseEverything();
    await waitForSpans(app.spans, (spans) => spans.some((s) => s.name === 'GET /disabled/ok'));
    assert.deepEqual(app.spans().map((s) => s.name).sort(), [
      'GET /disabled/ok',
      'chat',
      'invoke_agent a',
      'invoke_workflow active',
      'invoke_workflow ok',
      'invoke_workflow sync',
      'node throws',
    ]);
    assert.ok(app.audit.startedCount >= 7);
  });
});

describe('TracingModule.forRoot({ enabled: false })', () => {
  beforeEach(async () => {
    app = await audited.boot({ tracing: { enabled: false } });
    subject = new PassThrough();
  });
  afterEach(() => {
    assert.equal(app.audit.startedCount, 0, 'no span was started');
    assert.equal(app.spans().length, 0);
  });

  it('starts no span for any kind of call', async () => {
    await exerciseEverything();
  });

  it('sync methods stay sync and return the same value', () => {
    const value = { a: 1 };
    const result = subject.sync(value);
    assert.equal(result, value);
    assert.equal(types.isPromise(result), false);
  });

  it('the same error object is thrown synchronously', () => {
    const error = new Error('same');
    assert.throws(() => subject.throws(error), (thrown) => thrown === error);
    assert.throws(() => subject.throws('bare'), (thrown) => thrown === 'bare');
  });

  it('Promises, Observables, streams and thenables come back as the very same objects', async () => {
    const promise = Promise.resolve('p');
    assert.equal(subject.promise(promise), promise);
    const observable = of(1, 2);
    assert.equal(subject.observable(observable), observable);
    assert.deepEqual(await lastValueFrom(subject.observable(observable).pipe(toArray())), [1, 2]);
    const stream = new SdkStream(['a']);
    assert.equal(subject.stream(stream), stream);
    const query = new LazyQuery();
    assert.equal(subject.stream(query), query);
    assert.equal(query.executions, 0);
  });

  it('no active span inside the method', () => {
    assert.equal(subject.activeSpan(), undefined);
  });

  it('Nest behaviour is unchanged: guards still refuse, handlers still answer', async () => {
    assert.equal((await fetch(`${app.url}/disabled/denied`)).status, 403);
    const response = await fetch(`${app.url}/disabled/ok`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'fine');
  });
});
