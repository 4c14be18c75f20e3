import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { lastValueFrom, Observable } from 'rxjs';
import { TraceNode, TraceWorkflow } from '../../lib/index.js';
import { spanNamed } from '../support/tracing-harness.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import type { AuditedApp } from '../support/span-audit.js';
import { tick } from './fixtures/return-shapes.js';

/** A Proxy whose every trap throws: even `instanceof`, `String()` and property reads fail. */
function allTrapsThrow(): object {
  const boom = () => {
    throw new Error('trap');
  };
  return new Proxy(
    {},
    {
      get: boom,
      has: boom,
      set: boom,
      getPrototypeOf: boom,
      setPrototypeOf: boom,
      ownKeys: boom,
      getOwnPropertyDescriptor: boom,
      defineProperty: boom,
      deleteProperty: boom,
      isExtensible: boom,
      preventExtensions: boom,
      apply: boom,
      construct: boom,
    },
  );
}

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable(new Error('revoked target'), {});
  revoke();
  return proxy;
}

/** An Error whose `constructor` and `name` getters throw. */
function throwingGetters(): Error {
  const error = new Error('getters throw');
  Object.defineProperty(error, 'constructor', {
    get() {
      throw new Error('constructor getter');
    },
  });
  Object.defineProperty(error, 'name', {
    get() {
      throw new Error('name getter');
    },
  });
  return error;
}

/** An object whose `message` getter throws and whose `toString` throws. */
function throwingMessage(): object {
  return {
    get message(): string {
      throw new Error('message getter');
    },
    toString(): string {
      throw new Error('toString');
    },
  };
}

const HOSTILE: Array<[string, () => unknown, string]> = [
  ['a Proxy whose every trap throws', allTrapsThrow, 'object'],
  ['a revoked Proxy', revoked, 'object'],
  ['an Error with throwing constructor and name getters', throwingGetters, 'Error'],
  ['an object with a throwing message getter and toString', throwingMessage, 'object'],
];

class Hostile {
  @TraceWorkflow({ name: 'sync' })
  sync(thrown: unknown): void {
    throw thrown;
  }

  @TraceWorkflow({ name: 'async' })
  async later(thrown: unknown): Promise<void> {
    await tick();
    throw thrown;
  }

  @TraceNode({ nodeType: 'observable' })
  observable(thrown: unknown): Observable<number> {
    return new Observable<number>((subscriber) => {
      subscriber.next(1);
      subscriber.error(thrown);
    });
  }

  @TraceWorkflow({ name: 'generator' })
  async *stream(thrown: unknown): AsyncGenerator<number> {
    yield 1;
    throw thrown;
  }
}

const audited = auditedAppPerTest();
let app: AuditedApp;
const hostile = new Hostile();

beforeEach(async () => {
  app = await audited.boot();
});

function assertError(span: ReadableSpan, type: string): void {
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.attributes['error.type'], type);
  assert.equal(span.events.filter((e) => e.name === 'exception').length, 1);
}

for (const [label, make, type] of HOSTILE) {
  describe(`throwing ${label}`, () => {
    it('sync: the caller gets the very same value, the span is ERROR', () => {
      const thrown = make();
      let caught: unknown;
      try {
        hostile.sync(thrown);
      } catch (error) {
        caught = error;
      }
      assert.ok(caught === thrown, 'the same value is rethrown');
      assertError(spanNamed(app.spans(), 'invoke_workflow sync'), type);
    });

    it('async: the Promise rejects with the very same value, the span is ERROR', async () => {
      const thrown = make();
      let caught: unknown;
      // Block bodies: resolving with the hostile value would make `await` read its `then`.
      await hostile.later(thrown).catch((error: unknown) => {
        caught = error;
      });
      assert.ok(caught === thrown);
      assertError(spanNamed(app.spans(), 'invoke_workflow async'), type);
    });

    it('Observable and async generator: the same value reaches the subscriber and the consumer', async () => {
      const thrown = make();
      let fromObservable: unknown;
      await lastValueFrom(hostile.observable(thrown)).catch((error: unknown) => {
        fromObservable = error;
      });
      assert.ok(fromObservable === thrown);
      assertError(spanNamed(app.spans(), 'node observable'), type);

      let fromStream: unknown;
      try {
        for await (const _ of hostile.stream(thrown)) void _;
      } catch (error) {
        fromStream = error;
      }
      assert.ok(fromStream === thrown);
      assertError(spanNamed(app.spans(), 'invoke_workflow generator'), type);
    });
  });
}

it('an Error with throwing getters keeps its message on the span', () => {
  const thrown = throwingGetters();
  assert.throws(() => hostile.sync(thrown), (caught) => caught === thrown);
  const span = spanNamed(app.spans(), 'invoke_workflow sync');
  assert.equal(span.status.message, 'getters throw');
  assert.equal(span.events[0]?.attributes?.['exception.message'], 'getters throw');
});
