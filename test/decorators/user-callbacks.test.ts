import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { firstValueFrom, of, type Observable } from 'rxjs';
import { TraceAgentStep, TraceAgentTask, TraceNode, TraceProvider, TraceTool, TraceWorkflow } from '../../lib/index.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import { CapturedLog } from '../support/captured-log.js';
import { createAuditedApp, type AuditedApp } from '../support/span-audit.js';
import { spanNamed } from '../support/tracing-harness.js';

const boom = (what: string) => (): never => {
  throw new Error(`${what} exploded`);
};

/** Every kind of user callback, each throwing. */
class Careless {
  @TraceWorkflow({ name: 'careless', workflowId: boom('workflowId'), jobId: boom('jobId'), attributes: boom('workflow attributes') })
  workflow(x: number): number {
    return x * 2;
  }

  @TraceNode({ nodeId: boom('nodeId'), nodeType: boom('nodeType') })
  async node(error: Error): Promise<never> {
    throw error;
  }

  @TraceProvider({ provider: 'openai', model: boom('model'), usage: boom('usage reader') })
  async provider(request: { model: string }): Promise<{ model: string; usage: { prompt_tokens: number } }> {
    return { model: request.model, usage: { prompt_tokens: 1 } };
  }

  @TraceAgentTask({ agent: 'careless', taskId: boom('taskId') })
  task(): Observable<string> {
    return of('a', 'b');
  }

  @TraceAgentStep({ phase: 'step', stepId: boom('stepId'), taskId: boom('stepTaskId') })
  step(): string {
    return 'stepped';
  }

  @TraceTool({ name: 'careless-tool', callId: boom('callId') })
  async *tool(): AsyncGenerator<number> {
    yield 1;
    yield 2;
  }

  // Not valid attribute values (an untyped extractor could return them).
  @TraceNode({ nodeType: 'odd-attributes', attributes: (() => ({ odd: Object.create(null) as object, list: [1, 'a'] })) as never })
  oddAttributes(): string {
    return 'still runs';
  }
}

const audited = auditedAppPerTest();
let app: AuditedApp;
let logger: CapturedLog;

beforeEach(async () => {
  logger = new CapturedLog();
  app = await audited.boot({ configure: (nest) => nest.useLogger(logger) });
});

const reportsOf = (what: string) => logger.warnings.filter((w) => w.includes(what));

describe('throwing user callbacks', () => {
  it('extractors: the method runs and returns exactly as without tracing; each is reported once', () => {
    const careless = new Careless();
    assert.equal(careless.workflow(2), 4);
    assert.equal(careless.workflow(3), 6);
    const spans = app.spans().filter((s) => s.name === 'invoke_workflow careless');
    assert.equal(spans.length, 2, 'still traced');
    assert.equal(spans[0]!.attributes['workflow.status'], 'completed');
    assert.equal(spans[0]!.attributes['workflow.id'], undefined);
    for (const what of ['workflowId exploded', 'jobId exploded', 'workflow attributes exploded']) {
      assert.equal(reportsOf(what).length, 1, `${what}: reported once`);
    }
    assert.match(reportsOf('workflowId exploded')[0]!, /@TraceWorkflow\(careless\) workflowId extractor/);
  });

  it('the same error object still reaches the caller', async () => {
    const error = new RangeError('the real failure');
    await assert.rejects(new Careless().node(error), (thrown) => thrown === error);
    const span = spanNamed(app.spans(), 'node Careless.node');
    assert.equal(span.attributes['error.type'], 'RangeError');
    assert.equal(reportsOf('nodeId exploded').length, 1);
  });

  it('a throwing usage reader does not change the provider result', async () => {
    const careless = new Careless();
    assert.deepEqual(await careless.provider({ model: 'gpt-4o' }), { model: 'gpt-4o', usage: { prompt_tokens: 1 } });
    assert.deepEqual(await careless.provider({ model: 'gpt-4o' }), { model: 'gpt-4o', usage: { prompt_tokens: 1 } });
    const [span] = app.spans();
    assert.equal(span?.name, 'chat gpt-4o', 'model fell back to the first argument');
    assert.equal(reportsOf('usage reader exploded').length, 1);
    assert.equal(reportsOf('model exploded').length, 1);
  });

  it('Observable, sync and async-generator results are untouched', async () => {
    const careless = new Careless();
    assert.equal(await firstValueFrom(careless.task()), 'a');
    assert.equal(careless.step(), 'stepped');
    const values: number[] = [];
    for await (const value of careless.tool()) values.push(value);
    assert.deepEqual(values, [1, 2]);
    assert.deepEqual(app.spans().map((s) => s.name).sort(), ['agent step', 'execute_tool careless-tool', 'invoke_agent careless']);
    for (const what of ['taskId', 'stepId', 'stepTaskId', 'callId']) assert.equal(reportsOf(`${what} exploded`).length, 1, what);
  });

  it('attributes of odd types never break the call', () => {
    assert.equal(new Careless().oddAttributes(), 'still runs');
    const span = spanNamed(app.spans(), 'node odd-attributes');
    assert.equal(span.attributes['odd'], undefined, 'dropped');
    assert.deepEqual(span.attributes['list'], ['1', 'a'], 'made homogeneous');
  });
});

/** A span processor that throws, e.g. a broken exporter pipeline. */
class ExplodingProcessor implements SpanProcessor {
  constructor(private readonly at: 'start' | 'end') {}
  onStart(_span: Span, _ctx: Context): void {
    if (this.at === 'start') throw new Error('processor start failed');
  }
  onEnd(_span: ReadableSpan): void {
    if (this.at === 'end') throw new Error('processor end failed');
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe('a failing span processor', () => {
  for (const at of ['start', 'end'] as const) {
    it(`(on ${at}) never turns the user's call into a failure`, async () => {
      // Not audited: a processor throwing in onStart makes the SDK throw from startSpan, after the processors
      // before it saw the span start; nobody holds that span to end it (the call then runs untraced).
      const broken = await createAuditedApp({ processors: [new ExplodingProcessor(at)] });
      try {
        const careless = new Careless();
        assert.equal(careless.workflow(5), 10);
        assert.deepEqual(await careless.provider({ model: 'm' }), { model: 'm', usage: { prompt_tokens: 1 } });
        const error = new TypeError('own error');
        await assert.rejects(careless.node(error), (thrown) => thrown === error);
      } finally {
        await broken.close();
      }
    });
  }
});
