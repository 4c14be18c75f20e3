import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { configuredBy } from '../support/config-service.js';
import type { TracedApp } from '../support/tracing-harness.js';

/**
 * Sampling ratios shown by their effect, statistically, on fixed sets of trace ids: new traces get their ids
 * from the SDK's id generator, here fed by a seeded pseudo-random source (deterministic runs, realistic ids);
 * continued traces carry ids from a fixed list. A ratio r keeps about r of them (binomial: the bounds are four
 * standard deviations wide, and the seed makes every run the same); always-on or always-off would keep all
 * or none.
 */
const apps = tracedAppPerTest({ listen: false });
const TRACES = 1000;
const RATE = 0.25;

/** mulberry32: a small, well-mixed 32-bit generator; the same seed gives the same ids on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Whether `kept` of `total` is within four standard deviations of the fraction `rate`. */
function assertFraction(kept: number, total: number, rate: number, what: string): void {
  const margin = 4 * Math.sqrt(total * rate * (1 - rate));
  assert.ok(Math.abs(kept - total * rate) <= margin, `${what}: kept ${kept} of ${total}, expected ${total * rate} ± ${margin.toFixed(0)}`);
}

/** Starts `TRACES` new traces (one span each) with trace ids from a seeded generator; returns how many were kept. */
function newTracesKept(app: TracedApp, seed: number): number {
  app.tracing.resetFinishedSpans();
  const random = mock.method(Math, 'random', seeded(seed));
  try {
    for (let i = 0; i < TRACES; i++) app.tracing.withSpan('new trace', () => undefined);
  } finally {
    random.mock.restore();
  }
  return app.spans().length;
}

/** A fixed list of `TRACES` trace ids (from the seeded generator), as remote callers would send them. */
function fixedTraceIds(seed: number): string[] {
  const random = seeded(seed);
  const word = () => Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0');
  return Array.from({ length: TRACES }, () => `${word()}${word()}${word()}${word()}`);
}

/** Continues each trace of `traceIds` from a remote parent (sampled or not); returns how many were kept. */
function continuedTracesKept(app: TracedApp, traceIds: string[], sampledParent: boolean): number {
  app.tracing.resetFinishedSpans();
  for (const traceId of traceIds) {
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${traceId}-00f067aa0ba902b7-${sampledParent ? '01' : '00'}` });
    context.with(parent, () => app.tracing.withSpan('continued', () => undefined));
  }
  return app.spans().length;
}

describe('sampleRate (parent-based ratio)', () => {
  it('keeps about that fraction of new traces', async () => {
    const app = await apps.boot({ tracing: { sampleRate: RATE } });
    assertFraction(newTracesKept(app, 1), TRACES, RATE, 'seed 1');
    assertFraction(newTracesKept(app, 2), TRACES, RATE, 'seed 2');
  });

  it('follows the parent: keeps every trace a caller sampled, none it did not', async () => {
    const app = await apps.boot({ tracing: { sampleRate: RATE } });
    const traceIds = fixedTraceIds(3);
    assert.equal(continuedTracesKept(app, traceIds, true), TRACES);
    assert.equal(continuedTracesKept(app, traceIds, false), 0);
  });

  it('TRACING_SAMPLE_RATE (read through ConfigService) does the same', async () => {
    const app = await apps.boot(await configuredBy({ TRACING_SAMPLE_RATE: String(RATE) }, { exporter: 'memory' }));
    assertFraction(newTracesKept(app, 4), TRACES, RATE, 'new traces');
    assert.equal(continuedTracesKept(app, fixedTraceIds(5), true), TRACES, 'sampled parents are followed');
  });
});

describe('OTEL_TRACES_SAMPLER + OTEL_TRACES_SAMPLER_ARG (read through ConfigService)', () => {
  it('traceidratio decides on the trace id alone: about that fraction of sampled callers too', async () => {
    const app = await apps.boot(
      await configuredBy({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: String(RATE) }, { exporter: 'memory' }),
    );
    assertFraction(newTracesKept(app, 6), TRACES, RATE, 'new traces');
    assertFraction(continuedTracesKept(app, fixedTraceIds(7), true), TRACES, RATE, 'sampled callers');
  });

  it('parentbased_traceidratio keeps the ratio for new traces and follows callers', async () => {
    const app = await apps.boot(
      await configuredBy({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(RATE) }, { exporter: 'memory' }),
    );
    assertFraction(newTracesKept(app, 8), TRACES, RATE, 'new traces');
    assert.equal(continuedTracesKept(app, fixedTraceIds(9), true), TRACES);
    assert.equal(continuedTracesKept(app, fixedTraceIds(9), false), 0);
  });

  it('the same trace ids get the same decisions in every app (consistent sampling across services)', async () => {
    const traceIds = fixedTraceIds(10);
    const keptBy = async (): Promise<string[]> => {
      const app = await apps.boot(
        await configuredBy({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: String(RATE) }, { exporter: 'memory' }),
      );
      continuedTracesKept(app, traceIds, true);
      const kept = app.spans().map((s) => s.spanContext().traceId);
      await app.close();
      return kept;
    };
    const first = await keptBy();
    assertFraction(first.length, TRACES, RATE, 'first app');
    assert.deepEqual(await keptBy(), first);
  });
});
