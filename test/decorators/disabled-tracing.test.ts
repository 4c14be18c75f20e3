import assert from 'node:assert/strict';
import { types } from 'node:util';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Controller, Get, UseGuards } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { lastValueFrom, Observable, of, toArray } from 'rxjs';
import { TraceAgentTask, TraceNode, TraceProvider, TraceTool, TraceWorkflow } from '../../lib/index.js';
import { createAuditedApp, type AuditedApp } from '../core/fixtures/span-audit.js';
import { LazyQuery, SdkStream } from '../core/fixtures/return-shapes.js';
import { DenyGuard } from './fixtures/guarded.controller.js';

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

let app: AuditedApp;
let subject: PassThrough;

beforeEach(async () => {
  app = await createAuditedApp({ tracing: { enabled: false }, controllers: [DisabledController], providers: [DenyGuard], listen: true });
  subject = new PassThrough();
});
afterEach(async () => {
  try {
    assert.equal(app.audit.startedCount, 0, 'no span was started');
    assert.equal(app.spans().length, 0);
  } finally {
    await app.close();
  }
});

describe('TracingModule.forRoot({ enabled: false })', () => {
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
