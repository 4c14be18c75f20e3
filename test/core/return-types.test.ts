import assert from 'node:assert/strict';
import { types } from 'node:util';
import { Readable } from 'node:stream';
import { beforeEach, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { firstValueFrom, lastValueFrom, Observable, retry, take, toArray } from 'rxjs';
import { TraceNode, TraceWorkflow } from '../../lib/index.js';
import { spanNamed, waitForSpans } from '../support/tracing-harness.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import type { AuditedApp } from '../support/span-audit.js';
import { abortError, ColdSource, LazyQuery, QuotaError, readableOf, SdkStream, tick } from './fixtures/return-shapes.js';

/** A plain class (not a Nest provider): every return shape, decorated as workflows to see `workflow.status`. */
class Shapes {
  readonly cold = new ColdSource();

  @TraceWorkflow({ name: 'sync' })
  double(x: number): number {
    return x * 2;
  }

  @TraceWorkflow({ name: 'sync-throw' })
  throwSync(thrown: unknown): number {
    throw thrown;
  }

  @TraceWorkflow({ name: 'promise' })
  promise(value: string, thrown?: unknown): Promise<string> {
    return thrown === undefined ? Promise.resolve(value) : Promise.reject(thrown);
  }

  @TraceWorkflow({ name: 'async' })
  async later(value: string, thrown?: unknown): Promise<string> {
    await tick();
    if (thrown !== undefined) throw thrown;
    return value;
  }

  @TraceWorkflow({ name: 'observable' })
  observable(values: number[], error?: unknown): Observable<number> {
    return this.cold.observable(values, error);
  }

  /** Times the generator's `finally` ran (its cleanup on early exit). */
  cleanups = 0;

  @TraceWorkflow({ name: 'generator' })
  async *generate(count: number, failAt?: number): AsyncGenerator<number> {
    try {
      for (let i = 0; i < count; i++) {
        await tick();
        if (i === failAt) throw new QuotaError('generator broke');
        yield i;
      }
    } finally {
      this.cleanups += 1;
    }
  }

  @TraceWorkflow({ name: 'sdk-stream' })
  sdkStream(parts: string[], failAt?: number): SdkStream {
    return new SdkStream(parts, failAt);
  }

  @TraceWorkflow({ name: 'sdk-stream-async' })
  async sdkStreamLater(parts: string[]): Promise<SdkStream> {
    await tick();
    return new SdkStream(parts);
  }

  @TraceWorkflow({ name: 'readable' })
  readable(parts: string[]): Readable {
    return readableOf(parts);
  }

  @TraceWorkflow({ name: 'query' })
  query(builder: LazyQuery): LazyQuery {
    return builder;
  }

  @TraceNode({ nodeType: 'inner' })
  async inner(): Promise<string> {
    await tick();
    return trace.getActiveSpan()?.spanContext().spanId ?? 'none';
  }
}

const audited = auditedAppPerTest();
let app: AuditedApp;
let shapes: Shapes;

beforeEach(async () => {
  app = await audited.boot();
  shapes = new Shapes();
});

const status = (span: ReadableSpan) => span.attributes['workflow.status'];
const only = (name: string) => spanNamed(app.spans(), `invoke_workflow ${name}`);

function assertErrorSpan(span: ReadableSpan, type: string, message: string): void {
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.status.message, message);
  assert.equal(span.attributes['error.type'], type);
  assert.equal(status(span), 'error');
  const events = span.events.filter((e) => e.name === 'exception');
  assert.equal(events.length, 1, 'one exception event');
  assert.equal(events[0]!.attributes?.['exception.message'], message);
}

describe('sync methods', () => {
  it('stay synchronous: the value itself comes back, not a Promise', () => {
    const result = shapes.double(21);
    assert.equal(result, 42);
    assert.equal(types.isPromise(result), false);
    const span = only('sync');
    assert.equal(span.kind, SpanKind.INTERNAL);
    assert.equal(status(span), 'completed');
    assert.equal(span.status.code, SpanStatusCode.UNSET);
  });

  it('rethrow the same error object synchronously and record it', () => {
    const error = new QuotaError('over quota');
    assert.throws(() => shapes.throwSync(error), (thrown) => thrown === error);
    assertErrorSpan(only('sync-throw'), 'QuotaError', 'over quota');
  });

  for (const [label, thrown, type, message] of [
    ['a string', 'plain string', 'string', 'plain string'],
    ['a plain object with a message', { code: 42, message: 'object message' }, 'object', 'object message'],
    ['undefined', undefined, 'undefined', 'undefined'],
    ['null', null, 'null', 'null'],
    ['a null-prototype object', Object.create(null) as object, 'object', '[object Object]'],
  ] as const) {
    it(`handle a non-Error throw: ${label}`, () => {
      assert.throws(
        () => shapes.throwSync(thrown),
        (caught) => caught === thrown,
      );
      assertErrorSpan(only('sync-throw'), type, message);
    });
  }

  it('record an AbortError as cancelled, not as an error', () => {
    const error = abortError();
    assert.throws(() => shapes.throwSync(error), (thrown) => thrown === error);
    const span = only('sync-throw');
    assert.equal(status(span), 'cancelled');
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(span.attributes['error.type'], undefined);
    assert.ok(span.events.some((e) => e.name === 'cancelled'));
  });
});

describe('promises', () => {
  it('a native Promise resolves to the same value; the span ends when it settles', async () => {
    const pending = shapes.promise('value');
    assert.ok(types.isPromise(pending));
    assert.equal(app.spans().length, 0, 'not ended before it settles');
    assert.equal(await pending, 'value');
    assert.equal(status(only('promise')), 'completed');
  });

  it('a rejected Promise rejects with the same error object', async () => {
    const error = new QuotaError('rejected');
    await assert.rejects(shapes.promise('x', error), (thrown) => thrown === error);
    assertErrorSpan(only('promise'), 'QuotaError', 'rejected');
  });

  it('async methods: value, error, non-Error rejection and AbortError', async () => {
    assert.equal(await shapes.later('ok'), 'ok');
    const error = new RangeError('async failure');
    await assert.rejects(shapes.later('x', error), (thrown) => thrown === error);
    await assert.rejects(shapes.later('x', 'bare string'), (thrown) => thrown === 'bare string');
    const abort = abortError();
    await assert.rejects(shapes.later('x', abort), (thrown) => thrown === abort);
    const spans = app.spans().filter((s) => s.name === 'invoke_workflow async');
    assert.deepEqual(spans.map(status), ['completed', 'error', 'error', 'cancelled']);
    assert.deepEqual(spans.map((s) => s.attributes['error.type']), [undefined, 'RangeError', 'string', undefined]);
  });

  it('work inside an async method runs in the span: a nested span is its child', async () => {
    class Outer {
      constructor(private readonly s: Shapes) {}

      @TraceWorkflow({ name: 'outer' })
      async run(): Promise<string> {
        await tick();
        return this.s.inner();
      }
    }
    const innerId = await new Outer(shapes).run();
    const inner = spanNamed(app.spans(), 'node inner');
    assert.equal(inner.spanContext().spanId, innerId, 'the active span inside the method is its own span');
    assert.equal(inner.parentSpanContext?.spanId, only('outer').spanContext().spanId);
  });
});

describe('lazy thenables', () => {
  it('a returned query builder is not executed by the tracing, and comes back as the same object', async () => {
    const builder = new LazyQuery();
    const result = shapes.query(builder);
    assert.equal(result, builder, 'same object, not wrapped');
    await tick();
    assert.equal(builder.executions, 0, 'tracing never called then() nor iterated it');
    assert.equal(status(only('query')), 'completed');
    assert.deepEqual(await result, ['row'], 'the caller can still run it');
    assert.equal(builder.executions, 1);
  });
});

describe('Observables', () => {
  it('are cold: nothing runs and no span ends before subscribe', async () => {
    const observable = shapes.observable([1, 2]);
    await tick();
    await tick();
    assert.equal(shapes.cold.subscriptions, 0, 'the source was not subscribed by the tracing');
    assert.equal(app.spans().length, 0);
    assert.deepEqual(await lastValueFrom(observable.pipe(toArray())), [1, 2]);
    assert.equal(shapes.cold.subscriptions, 1);
    assert.equal(status(only('observable')), 'completed');
  });

  it('end on complete, not at return (the span covers the emissions)', async () => {
    const values: number[] = [];
    let endedBeforeComplete = true;
    await new Promise<void>((resolve) => {
      shapes.observable([1, 2, 3]).subscribe({
        next: (v) => {
          values.push(v);
          endedBeforeComplete &&= app.spans().length === 0;
        },
        complete: () => resolve(),
      });
    });
    assert.deepEqual(values, [1, 2, 3]);
    assert.ok(endedBeforeComplete, 'span still open while values flow');
    assert.equal(status(only('observable')), 'completed');
  });

  it('error: same error delivered, span ERROR', async () => {
    const error = new QuotaError('observable failed');
    await assert.rejects(lastValueFrom(shapes.observable([1], error)), (thrown) => thrown === error);
    assertErrorSpan(only('observable'), 'QuotaError', 'observable failed');
  });

  it('unsubscribe: the source is torn down and the workflow is cancelled', async () => {
    assert.equal(await firstValueFrom(shapes.observable([7, 8, 9])), 7);
    assert.equal(shapes.cold.teardowns, 1);
    const span = only('observable');
    assert.equal(status(span), 'cancelled');
    assert.equal(span.status.code, SpanStatusCode.UNSET);
  });

  it('an explicit unsubscribe before any value cancels too', async () => {
    const subscription = shapes.observable([1]).subscribe();
    subscription.unsubscribe();
    assert.equal(shapes.cold.teardowns, 1);
    assert.equal(status(only('observable')), 'cancelled');
  });

  it('every subscription gets its own span (re-subscription, retry)', async () => {
    const observable = shapes.observable([1, 2]);
    assert.deepEqual(await lastValueFrom(observable.pipe(toArray())), [1, 2]);
    assert.deepEqual(await lastValueFrom(observable.pipe(take(1), toArray())), [1]);
    const failing = shapes.observable([5], new QuotaError('flaky'));
    await assert.rejects(lastValueFrom(failing.pipe(retry(2))));
    assert.equal(shapes.cold.subscriptions, 5);
    const spans = app.spans().filter((s) => s.name === 'invoke_workflow observable');
    assert.deepEqual(spans.map(status), ['completed', 'cancelled', 'error', 'error', 'error']);
    const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
    assert.equal(traceIds.size, 5, 'each subscription is a root span of its own here');
  });
});

describe('async generators', () => {
  it('end when iteration completes; each value arrives; the method returns synchronously', async () => {
    const iterable = shapes.generate(3);
    assert.equal(types.isPromise(iterable), false);
    assert.equal(app.spans().length, 0);
    const seen: number[] = [];
    for await (const value of iterable) seen.push(value);
    assert.deepEqual(seen, [0, 1, 2]);
    assert.equal(status(only('generator')), 'completed');
  });

  it('early break ends the span (cancelled) and runs the generator cleanup', async () => {
    for await (const value of shapes.generate(10)) {
      if (value === 1) break;
    }
    assert.equal(shapes.cleanups, 1, 'return() reached the generator: its finally ran');
    assert.equal(status(only('generator')), 'cancelled');
  });

  it('a throw inside the stream rejects with the same error and ends the span as ERROR', async () => {
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const value of shapes.generate(5, 2)) seen.push(value);
      })(),
      (error) => error instanceof QuotaError && error.message === 'generator broke',
    );
    assert.deepEqual(seen, [0, 1]);
    assertErrorSpan(only('generator'), 'QuotaError', 'generator broke');
  });

  it('next() runs in the span context: spans created inside the generator are its children', async () => {
    class Streamer {
      constructor(private readonly s: Shapes) {}

      @TraceWorkflow({ name: 'streamer' })
      async *run(): AsyncGenerator<string> {
        yield await this.s.inner();
        yield await this.s.inner();
      }
    }
    const ids: string[] = [];
    for await (const id of new Streamer(shapes).run()) ids.push(id);
    const parentId = only('streamer').spanContext().spanId;
    const inner = app.spans().filter((s) => s.name === 'node inner');
    assert.equal(inner.length, 2);
    for (const span of inner) assert.equal(span.parentSpanContext?.spanId, parentId);
  });
});

describe('SDK-style async iterables', () => {
  it('keep their own methods, properties, getters and private fields through the wrapper', async () => {
    const stream = shapes.sdkStream(['a', 'b']);
    assert.ok(stream instanceof SdkStream);
    assert.ok(stream.controller instanceof AbortController);
    assert.deepEqual(stream.tee(), [['a', 'b'], ['a', 'b']]);
    assert.equal(stream.model, 'fresh', 'getter reads the private field of the real object');
    assert.equal(stream.constructor, SdkStream);
    const parts: string[] = [];
    for await (const chunk of stream) parts.push(chunk.delta);
    assert.deepEqual(parts, ['a', 'b']);
    assert.equal(stream.model, 'consumed');
    assert.equal(status(only('sdk-stream')), 'completed');
  });

  it('early break calls the stream return() and ends the span once', async () => {
    const stream = shapes.sdkStream(['a', 'b', 'c']);
    for await (const chunk of stream) {
      if (chunk.delta === 'a') break;
    }
    assert.equal(stream.returned, 1, "the stream's own return() ran");
    assert.equal(status(only('sdk-stream')), 'cancelled');
  });

  it('a stream error rejects with the same error; an abort through its controller is a cancellation', async () => {
    await assert.rejects(
      (async () => {
        for await (const _ of shapes.sdkStream(['a', 'b'], 1)) void _;
      })(),
      QuotaError,
    );
    const aborted = shapes.sdkStream(['a', 'b', 'c']);
    await assert.rejects(
      (async () => {
        for await (const _ of aborted) aborted.controller.abort();
      })(),
      (error) => error instanceof Error && error.name === 'AbortError',
    );
    const spans = app.spans().filter((s) => s.name === 'invoke_workflow sdk-stream');
    assert.deepEqual(spans.map(status), ['error', 'cancelled']);
  });

  it('a Promise resolving to a stream (OpenAI create({ stream: true })) ends when the stream is consumed', async () => {
    const stream = await shapes.sdkStreamLater(['x', 'y']);
    await tick();
    assert.equal(app.spans().length, 0, 'still open: the stream has not been read');
    assert.ok(stream.controller instanceof AbortController);
    const parts: string[] = [];
    for await (const chunk of stream) parts.push(chunk.delta);
    assert.deepEqual(parts, ['x', 'y']);
    assert.equal(status(only('sdk-stream-async')), 'completed');
  });

  it('iterating again behaves as without tracing (the SDK throws), recorded on a span of its own', async () => {
    const stream = shapes.sdkStream(['a']);
    for await (const _ of stream) void _;
    // Second iteration of the same returned object: the SDK throws synchronously from [Symbol.asyncIterator]().
    assert.throws(() => stream[Symbol.asyncIterator](), /consumed stream/);
    const spans = app.spans().filter((s) => s.name === 'invoke_workflow sdk-stream');
    assert.deepEqual(spans.map(status), ['completed', 'error']);
    assert.match(String(spans[1]!.status.message), /consumed stream/);
  });

  it('an iterable that can be iterated twice gets one span per iteration, under the same parent', async () => {
    class Pages {
      @TraceWorkflow({ name: 'pages' })
      list(): AsyncIterable<number> {
        return {
          async *[Symbol.asyncIterator]() {
            yield 1;
            yield 2;
          },
        };
      }
    }
    const pages = new Pages().list();
    const first: number[] = [];
    const second: number[] = [];
    for await (const page of pages) first.push(page);
    for await (const page of pages) second.push(page);
    assert.deepEqual([first, second], [[1, 2], [1, 2]]);
    const spans = app.spans().filter((s) => s.name === 'invoke_workflow pages');
    assert.deepEqual(spans.map(status), ['completed', 'completed']);
  });

  it('a generator read by hand with next() and then by for await stays one iteration, one span', async () => {
    const generator = shapes.generate(3);
    assert.deepEqual(await generator.next(), { done: false, value: 0 });
    const rest: number[] = [];
    for await (const value of generator) rest.push(value);
    assert.deepEqual(rest, [1, 2]);
    assert.equal(status(only('generator')), 'completed');
  });
});

describe('Node readable streams', () => {
  it('are returned as-is, not switched to flowing mode (no data lost), and end with the stream', async () => {
    const stream = shapes.readable(['a', 'b', 'c']);
    assert.ok(stream instanceof Readable);
    await tick();
    await tick();
    assert.equal(stream.readableFlowing, null, 'tracing did not start the flow');
    const parts: string[] = [];
    for await (const part of stream) parts.push(String(part));
    assert.deepEqual(parts, ['a', 'b', 'c']);
    await waitForSpans(app.spans, (spans) => spans.length === 1);
    assert.equal(status(only('readable')), 'completed');
  });

  it('a destroyed stream ends the span with the error', async () => {
    const stream = shapes.readable(['a']);
    stream.destroy(new QuotaError('socket hang up'));
    await waitForSpans(app.spans, (spans) => spans.length === 1);
    assertErrorSpan(only('readable'), 'QuotaError', 'socket hang up');
  });
});
