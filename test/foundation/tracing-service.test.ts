import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { TraceProvider, TracingModule, TracingService, TraceWorkflow } from '../../lib/index.js';
import { createTracedApp, parentOf, spanNamed, type TracedApp } from '../support/tracing-harness.js';
import { isolateEnv } from '../support/env.js';
import { RecordingExporter } from '../support/recording-exporter.js';

interface ChatRequest {
  model: string;
  prompt: string;
}

/** A provider call that learns its usage from a callback, and a workflow around it. */
@Injectable()
class ChatClient {
  constructor(private readonly tracing: TracingService) {}

  @TraceProvider({ provider: 'openai' })
  async complete(request: ChatRequest): Promise<{ text: string; recorded: boolean }> {
    await new Promise((resolve) => setImmediate(resolve));
    const recorded = this.tracing.recordUsage({ inputTokens: 12, outputTokens: 3 }, 'gpt-4o-2024-08-06');
    return { text: `echo ${request.prompt}`, recorded };
  }

  @TraceWorkflow({ name: 'chat' })
  async chat(prompt: string): Promise<{ text: string; recorded: boolean; outerIds: [string?, string?] }> {
    const outerIds: [string?, string?] = [this.tracing.traceId(), this.tracing.spanId()];
    const result = await this.complete({ model: 'gpt-4o', prompt });
    return { ...result, outerIds };
  }
}

let traced: TracedApp;
let tracing: TracingService;
let restoreEnv: () => void = () => undefined;

before(async () => {
  restoreEnv = isolateEnv();
  traced = await createTracedApp({ tracing: { exporter: 'memory' }, providers: [ChatClient], listen: false });
  tracing = traced.tracing;
});
afterEach(() => tracing.resetFinishedSpans());
after(async () => {
  await traced.close();
  restoreEnv();
});

describe('TracingService ids for log correlation', () => {
  it('traceId() and spanId() are undefined outside any span', () => {
    assert.equal(tracing.traceId(), undefined);
    assert.equal(tracing.spanId(), undefined);
  });

  it('return the active span ids inside a span, also after an await', async () => {
    let ids: Array<string | undefined> = [];
    await tracing.withSpan('correlated', async () => {
      const before = [tracing.traceId(), tracing.spanId()];
      await new Promise((resolve) => setTimeout(resolve, 1));
      ids = [...before, tracing.traceId(), tracing.spanId()];
    });
    const span = spanNamed(traced.spans(), 'correlated');
    const { traceId, spanId } = span.spanContext();
    assert.deepEqual(ids, [traceId, spanId, traceId, spanId]);
    assert.match(traceId, /^[0-9a-f]{32}$/);
  });
});

describe('TracingService.withSpan', () => {
  it('sync: returns the value synchronously and ends the span with the given kind and attributes', () => {
    const result = tracing.withSpan('sync work', (span) => {
      span.setAttribute('inside', true);
      return 7;
    }, { kind: SpanKind.CLIENT, attributes: { 'app.step': 'one' } });
    assert.equal(result, 7);
    const span = spanNamed(traced.spans(), 'sync work');
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.equal(span.attributes['app.step'], 'one');
    assert.equal(span.attributes['inside'], true);
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(span.instrumentationScope.name, 'nestjs-ai-tracing');
  });

  it('async: the span ends when the Promise settles; nested spans are children', async () => {
    const value = await tracing.withSpan('outer', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return tracing.withSpan('inner', async () => 'done');
    });
    assert.equal(value, 'done');
    const spans = traced.spans();
    const inner = spanNamed(spans, 'inner');
    assert.equal(parentOf(spans, inner)?.name, 'outer');
    assert.equal(spanNamed(spans, 'outer').kind, SpanKind.INTERNAL);
  });

  it('async error: recorded on the span and rethrown unchanged', async () => {
    const original = new RangeError('out of range');
    await assert.rejects(
      tracing.withSpan('failing async', async () => {
        await new Promise((resolve) => setImmediate(resolve));
        throw original;
      }),
      (error: unknown) => error === original,
    );
    const span = spanNamed(traced.spans(), 'failing async');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.status.message, 'out of range');
    assert.equal(span.attributes['error.type'], 'RangeError');
    assert.deepEqual(span.events.map((e) => e.name), ['exception']);
    assert.equal(span.events[0]?.attributes?.['exception.message'], 'out of range');
  });

  it('sync error: recorded and rethrown unchanged, synchronously', () => {
    const original = { code: 'E_CUSTOM' };
    assert.throws(
      () =>
        tracing.withSpan('failing sync', () => {
          throw original;
        }),
      (error: unknown) => error === original,
    );
    const span = spanNamed(traced.spans(), 'failing sync');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['error.type'], 'object');
  });
});

describe('TracingService.setAttributes / addEvent', () => {
  it('write to the active span', () => {
    tracing.withSpan('annotated', () => {
      tracing.setAttributes({ 'docs.count': 3, 'docs.source': 's3' });
      tracing.addEvent('cache miss', { key: 'k1' });
    });
    const span = spanNamed(traced.spans(), 'annotated');
    assert.equal(span.attributes['docs.count'], 3);
    assert.equal(span.attributes['docs.source'], 's3');
    assert.deepEqual(span.events.map((e) => [e.name, e.attributes]), [['cache miss', { key: 'k1' }]]);
  });

  it('are harmless no-ops outside a span', () => {
    tracing.setAttributes({ ignored: true });
    tracing.addEvent('ignored');
    assert.deepEqual(traced.spans(), []);
  });
});

describe('TracingService.withAttribution', () => {
  it('stamps user/session/tenant on every span inside, merging nested scopes; returns the value', async () => {
    const value = await tracing.withAttribution({ userId: 'u-1', tenantId: 't-1' }, () =>
      tracing.withAttribution({ sessionId: 's-1' }, () => tracing.withSpan('attributed', async () => 'ok')),
    );
    assert.equal(value, 'ok');
    tracing.withSpan('not attributed', () => undefined);
    const spans = traced.spans();
    const attributed = spanNamed(spans, 'attributed');
    assert.equal(attributed.attributes['user.id'], 'u-1');
    assert.equal(attributed.attributes['tenant.id'], 't-1');
    assert.equal(attributed.attributes['session.id'], 's-1');
    assert.equal(spanNamed(spans, 'not attributed').attributes['user.id'], undefined);
  });

  it('reaches decorated spans', async () => {
    await tracing.withAttribution({ userId: 'u-2' }, () => traced.app.get(ChatClient).chat('hi'));
    const spans = traced.spans();
    assert.deepEqual(spans.map((s) => s.name).sort(), ['chat gpt-4o', 'invoke_workflow chat']);
    for (const span of spans) assert.equal(span.attributes['user.id'], 'u-2', span.name);
  });
});

describe('TracingService.recordUsage', () => {
  it('returns false outside any span and inside a non-provider span', () => {
    assert.equal(tracing.recordUsage({ inputTokens: 1, outputTokens: 1 }), false);
    assert.equal(tracing.withSpan('manual', () => tracing.recordUsage({ inputTokens: 1, outputTokens: 1 })), false);
  });

  it('returns true inside a @TraceProvider call and records the response model', async () => {
    const result = await traced.app.get(ChatClient).chat('hello');
    assert.equal(result.recorded, true);
    const spans = traced.spans();
    const call = spanNamed(spans, 'chat gpt-4o');
    assert.equal(call.attributes['gen_ai.response.model'], 'gpt-4o-2024-08-06');
    const workflow = spanNamed(spans, 'invoke_workflow chat');
    assert.equal(parentOf(spans, call), workflow);
    assert.deepEqual(result.outerIds, [workflow.spanContext().traceId, workflow.spanContext().spanId]);
  });
});

describe('TracingService.getFinishedSpans / resetFinishedSpans', () => {
  it('hold the memory exporter spans, oldest first, until reset', () => {
    tracing.withSpan('first', () => undefined);
    tracing.withSpan('second', () => undefined);
    assert.deepEqual(tracing.getFinishedSpans().map((s) => s.name), ['first', 'second']);
    tracing.resetFinishedSpans();
    assert.deepEqual(tracing.getFinishedSpans(), []);
  });
});

describe('TracingService.forceFlush', () => {
  it('exports batched spans now, without closing the app', async () => {
    const restore = isolateEnv();
    const exporter = new RecordingExporter();
    const other = await createTracedApp({
      tracingModule: TracingModule.forRoot({ exporter, batch: { scheduledDelayMillis: 60_000 } }),
      listen: false,
    });
    try {
      other.tracing.withSpan('batched', () => undefined);
      assert.equal(exporter.exported.length, 0, 'waiting in the batch');
      assert.deepEqual(other.tracing.getFinishedSpans(), [], 'no memory exporter: nothing to read');
      await other.tracing.forceFlush();
      assert.deepEqual(exporter.exported.map((s) => s.name), ['batched']);
      assert.equal(exporter.shutdownCalls, 0, 'still running');
    } finally {
      await other.close();
      restore();
    }
  });
});
