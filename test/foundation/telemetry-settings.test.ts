import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context, diag, propagation, trace, type Link } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { TraceWorkflow, type TracingModuleOptions } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { CapturedLog } from '../support/captured-log.js';
import { configuredBy } from '../support/config-service.js';
import { spanNamed, type TracedApp } from '../support/tracing-harness.js';
import { waitFor } from '../support/waits.js';
import { startOtlpReceiver } from './fixtures/otlp-receiver.js';

/**
 * Span limits, propagators, diagnostics and the metrics pipeline shown by their effect: what a span keeps,
 * which headers travel, what reaches the app's log, what a metrics collector receives. Variables are read
 * through ConfigService only (the SDK reads the span limit variables from `process.env` on its own).
 */
const apps = tracedAppPerTest({ listen: false });

/** A workflow run records a duration histogram: something for the metrics pipeline to export. */
class Measured {
  @TraceWorkflow({ name: 'measured' })
  run(): string {
    return 'done';
  }
}

async function bootWith(variables: Record<string, string>, options: TracingModuleOptions = {}): Promise<TracedApp> {
  return apps.boot(await configuredBy(variables, { exporter: 'memory', ...options }));
}

const SIX = { a1: 1, a2: 2, a3: 3, a4: 4, a5: 5, a6: 6 };

/** One span with 6 attributes, 5 events and 5 links, each event and link with 6 attributes. */
function crowdedSpan(app: TracedApp): ReadableSpan {
  const links: Link[] = Array.from({ length: 5 }, (_, i) => ({
    context: { traceId: `${String(i + 1).repeat(32)}`.slice(0, 32), spanId: 'e457b5a2e4d86bd1', traceFlags: 1 },
    attributes: SIX,
  }));
  const span = trace.getTracer('limits-test').startSpan('crowded', { links });
  span.setAttributes(SIX);
  for (let i = 0; i < 5; i++) span.addEvent(`event ${i}`, SIX);
  span.end();
  return spanNamed(app.spans(), 'crowded');
}

interface Kept {
  attributes: number;
  events: number;
  links: number;
  perEvent: number;
  perLink: number;
}

function kept(span: ReadableSpan): Kept {
  return {
    attributes: Object.keys(span.attributes).length,
    events: span.events.length,
    links: span.links.length,
    perEvent: Object.keys(span.events[0]?.attributes ?? {}).length,
    perLink: Object.keys(span.links[0]?.attributes ?? {}).length,
  };
}

describe('span limits', () => {
  it('keep everything within the defaults (control)', async () => {
    assert.deepEqual(kept(crowdedSpan(await bootWith({}))), { attributes: 6, events: 5, links: 5, perEvent: 6, perLink: 6 });
  });

  it('spanLimits options cap each count', async () => {
    const app = await bootWith(
      {},
      { spanLimits: { attributeCountLimit: 2, eventCountLimit: 3, linkCountLimit: 4, attributePerEventCountLimit: 1, attributePerLinkCountLimit: 5 } },
    );
    assert.deepEqual(kept(crowdedSpan(app)), { attributes: 2, events: 3, links: 4, perEvent: 1, perLink: 5 });
  });

  it('OTEL_SPAN_*_COUNT_LIMIT, OTEL_EVENT_/OTEL_LINK_ATTRIBUTE_COUNT_LIMIT cap each count', async () => {
    const app = await bootWith({
      OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '2',
      OTEL_SPAN_EVENT_COUNT_LIMIT: '3',
      OTEL_SPAN_LINK_COUNT_LIMIT: '4',
      OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '1',
      OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '5',
    });
    assert.deepEqual(kept(crowdedSpan(app)), { attributes: 2, events: 3, links: 4, perEvent: 1, perLink: 5 });
  });

  it('OTEL_ATTRIBUTE_COUNT_LIMIT caps every attribute count; the OTEL_SPAN_ATTRIBUTE_PER_*_COUNT_LIMIT names work too', async () => {
    assert.deepEqual(kept(crowdedSpan(await bootWith({ OTEL_ATTRIBUTE_COUNT_LIMIT: '3' }))), { attributes: 3, events: 5, links: 5, perEvent: 3, perLink: 3 });
    await apps.app.close();
    const app = await bootWith({ OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT: '2', OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT: '4' });
    assert.deepEqual(kept(crowdedSpan(app)), { attributes: 6, events: 5, links: 5, perEvent: 2, perLink: 4 });
  });
});

describe('propagators', () => {
  /** The headers an outgoing call made inside a span would carry. */
  function outgoingHeaders(app: TracedApp): string[] {
    const carrier: Record<string, string> = {};
    app.tracing.withSpan('outgoing', () => propagation.inject(context.active(), carrier));
    return Object.keys(carrier).sort();
  }

  it('the propagators option chooses the headers written (control: W3C by default)', async () => {
    assert.deepEqual(outgoingHeaders(await bootWith({})), ['traceparent']);
    await apps.app.close();
    assert.deepEqual(outgoingHeaders(await bootWith({}, { propagators: ['b3multi', 'jaeger'] })), ['uber-trace-id', 'x-b3-sampled', 'x-b3-spanid', 'x-b3-traceid']);
  });

  it('OTEL_PROPAGATORS through ConfigService does the same', async () => {
    assert.deepEqual(outgoingHeaders(await bootWith({ OTEL_PROPAGATORS: 'b3' })), ['b3']);
  });
});

describe('conventions', () => {
  it('TRACING_CONVENTIONS (through ConfigService) chooses the vocabularies on each span (control: OpenInference by default)', async () => {
    const kinds = async (variables: Record<string, string>) => {
      const app = await bootWith(variables);
      new Measured().run();
      const span = spanNamed(app.spans(), 'invoke_workflow measured');
      await app.close();
      return [span.attributes['openinference.span.kind'], span.attributes['traceloop.span.kind']];
    };
    assert.deepEqual(await kinds({}), ['CHAIN', undefined]);
    assert.deepEqual(await kinds({ TRACING_CONVENTIONS: 'traceloop' }), [undefined, 'workflow']);
  });
});

describe('diagnostics', () => {
  it('the logLevel option lets OpenTelemetry info lines through to the app log (control: warn drops them)', async () => {
    const probe = async (options: TracingModuleOptions): Promise<string[]> => {
      const log = new CapturedLog();
      const app = await apps.boot({ ...(await configuredBy({}, { exporter: 'none', ...options })), configure: (nest) => nest.useLogger(log) });
      diag.info('diag probe');
      await app.close();
      return log.matching('diag probe').map((l) => l.message);
    };
    assert.deepEqual(await probe({}), []);
    assert.deepEqual(await probe({ logLevel: 'info' }), ['diag probe']);
  });
});

describe('the metrics pipeline the module builds', () => {
  it('metrics options: exporter, endpoint, protocol, headers and export interval reach a real collector', async () => {
    const receiver = await startOtlpReceiver();
    apps.cleanup(() => receiver.close());
    await bootWith(
      {},
      {
        metrics: { exporter: 'otlp', endpoint: `${receiver.baseUrl}/custom/metrics`, protocol: 'http/json', headers: { 'x-metrics-key': 'k1' }, exportIntervalMillis: 200 },
      },
    );
    new Measured().run();
    // Only the short interval can export while the app runs (the default is a minute).
    await waitFor('a periodic metrics export', () => (receiver.received.length > 0 ? true : undefined), { timeoutMs: 5000 });
    for (const request of receiver.received) {
      assert.equal(request.path, '/custom/metrics');
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['x-metrics-key'], 'k1');
    }
  });

  it('OTEL_METRICS_EXPORTER, OTEL_EXPORTER_OTLP_METRICS_HEADERS and OTEL_METRIC_EXPORT_INTERVAL through ConfigService', async () => {
    const receiver = await startOtlpReceiver();
    apps.cleanup(() => receiver.close());
    await bootWith({
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.baseUrl}/v1/metrics`,
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-metrics-key=k2',
      OTEL_METRIC_EXPORT_INTERVAL: '200',
    });
    new Measured().run();
    // Only the short interval can export while the app runs (the default is a minute).
    await waitFor('a periodic metrics export', () => (receiver.received.length > 0 ? true : undefined), { timeoutMs: 5000 });
    assert.equal(receiver.received[0]!.path, '/v1/metrics');
    assert.equal(receiver.received[0]!.headers['x-metrics-key'], 'k2');
  });
});
