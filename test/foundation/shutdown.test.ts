import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { context, diag, DiagLogLevel, propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { TracingModule, type TracingModuleOptions } from '../../lib/index.js';
import type { TracingSdk } from '../../lib/sdk/tracing-sdk.js';
import { TRACING_SDK } from '../../lib/tracing.constants.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { configuredBy } from '../support/config-service.js';
import { RecordingExporter, type ExporterBehaviour } from '../support/recording-exporter.js';
import type { TracedApp } from '../support/tracing-harness.js';
import { within } from '../support/waits.js';
import { decodeJsonExport, flattenSpans } from './fixtures/otlp-decode.js';
import { closedPortUrl, startOtlpReceiver, type OtlpReceiver, type ReceiverMode } from './fixtures/otlp-receiver.js';
import { assertResearchTrace } from './fixtures/research.assertions.js';
import { RESEARCH_SPANS, ResearchModule, ResearchWorkload } from './fixtures/research.workload.js';

/** Generous bound: close must not hang, but this is not a timing test. */
const CLOSE_BOUND_MS = 5000;
/** Every bound other than the one a test is about, set far beyond `CLOSE_BOUND_MS`: it cannot be what cut the wait. */
const FAR_MS = 60_000;

const apps = tracedAppPerTest({ imports: [ResearchModule], listen: false });
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

function boot(options: TracingModuleOptions): Promise<TracedApp> {
  return apps.boot({ tracingModule: TracingModule.forRoot(options) });
}

/** An exporter the teardown releases, so a close it held up still finishes before the next test. */
function exporterFor(behaviour: ExporterBehaviour = 'ok'): RecordingExporter {
  const exporter = new RecordingExporter(behaviour);
  apps.defer(() => exporter.release());
  return exporter;
}

/**
 * A receiver the teardown answers, then closes: requests it left hanging get their success, so a close they held
 * up finishes (cutting the connection instead would make the exporter retry until its own timeout).
 */
async function receiverFor(mode: ReceiverMode = 'ok'): Promise<OtlpReceiver> {
  const receiver = await startOtlpReceiver(mode);
  apps.defer(() => receiver.release());
  apps.cleanup(() => receiver.close());
  return receiver;
}

async function research(traced: TracedApp, jobId: string): Promise<void> {
  assert.equal(await traced.app.get(ResearchWorkload).run({ jobId, topic: 'shutdown' }), '2 documents');
}

/**
 * Closes the app, failing (not hanging) if close takes longer than the generous bound. A close that timed out
 * stays the app's pending close: the teardown releases what held it up and waits for it, so the app never
 * outlives its test.
 */
function closeWithinBound(traced: TracedApp): Promise<void> {
  return within(traced.close(), 'app.close()', CLOSE_BOUND_MS);
}

/** Lets already-settled callbacks run, so an unhandled rejection from the close would have been seen. */
const drain = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('no finished span is lost on a clean close', () => {
  it('a batch exporter gets spans ended just before close, then is shut down', async () => {
    const exporter = exporterFor();
    // A long schedule: only the flush at close can export these spans.
    const traced = await boot({ exporter, batch: { scheduledDelayMillis: FAR_MS } });
    await research(traced, 'job-batch');
    assert.equal(exporter.exported.length, 0, 'nothing exported before close');
    await closeWithinBound(traced);
    assertResearchTrace(exporter.exported, 'job-batch');
    assert.equal(exporter.shutdownCalls, 1);
  });

  it('the memory exporter keeps its spans readable after close', async () => {
    const traced = await boot({ exporter: 'memory' });
    await research(traced, 'job-memory');
    await closeWithinBound(traced);
    assertResearchTrace(traced.tracing.getFinishedSpans(), 'job-memory');
  });

  it('an OTLP receiver gets spans ended just before close', async () => {
    const receiver = await receiverFor();
    const traced = await boot({
      exporter: 'otlp',
      otlp: { endpoint: receiver.tracesUrl, protocol: 'http/json' },
      batch: { scheduledDelayMillis: FAR_MS },
    });
    await research(traced, 'job-otlp');
    assert.equal(receiver.received.length, 0, 'nothing posted before close');
    await closeWithinBound(traced);
    const spans = flattenSpans(receiver.received.map((r) => decodeJsonExport(r.body)));
    assert.deepEqual(spans.map((s) => s.name).sort(), [RESEARCH_SPANS.workflow, RESEARCH_SPANS.retrieve, RESEARCH_SPANS.summarize].sort());
  });

  it('with enableShutdownHooks, SIGTERM flushes the spans before the process exits', async () => {
    const receiver = await receiverFor();
    const script = fileURLToPath(new URL('./fixtures/shutdown-hooks.app.js', import.meta.url));
    const child = spawn(process.execPath, [script], {
      env: {
        ...process.env,
        FIXTURE_SHUTDOWN_HOOKS: '1',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: String(FAR_MS),
        OTEL_SERVICE_NAME: 'shutdown-hooks',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    apps.defer(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    let stdout = '';
    await within(
      (async () => {
        for await (const chunk of child.stdout) {
          stdout += String(chunk);
          if (stdout.includes('ready')) break;
        }
      })(),
      '"ready" from the child app',
      20_000,
      () => `stdout: ${stdout}, stderr: ${stderr}`,
    );
    assert.match(stdout, /ready/, `child did not start: ${stderr}`);
    assert.equal(receiver.received.length, 0, 'nothing posted before the signal');
    child.kill('SIGTERM');
    const [code, signal] = (await within(exited, 'the child app to exit after SIGTERM', 20_000)) as [number | null, NodeJS.Signals | null];
    assert.ok(code === 0 || signal === 'SIGTERM', `child exit code=${code} signal=${signal} ${stderr}`);
    const spans = flattenSpans(receiver.received.map((r) => decodeJsonExport(r.body)));
    assert.deepEqual(spans.map((s) => s.name).sort(), [RESEARCH_SPANS.workflow, RESEARCH_SPANS.retrieve, RESEARCH_SPANS.summarize].sort());
    assert.ok(spans.every((s) => s.resource['service.name'] === 'shutdown-hooks'));
  });
});

describe('a hanging exporter does not hang close past shutdownTimeoutMillis (every other bound far away)', () => {
  const hanging: ExporterBehaviour[] = ['hang', 'hang-shutdown'];
  for (const behaviour of hanging) {
    it(`custom SpanExporter (${behaviour})`, async () => {
      const exporter = exporterFor(behaviour);
      const traced = await boot({ exporter, shutdownTimeoutMillis: 300, batch: { exportTimeoutMillis: FAR_MS } });
      await research(traced, `job-${behaviour}`);
      await closeWithinBound(traced);
      assert.equal(exporter.exportCalls, 1, 'the flush reached the exporter');
      assert.equal(exporter.heldExports, behaviour === 'hang' ? 1 : 0, 'the export the close gave up on is still unanswered');
      await drain();
      assert.deepEqual(unhandled, []);
    });
  }

  it('forceFlush() is bounded by it too', async () => {
    const exporter = exporterFor('hang');
    const traced = await boot({ exporter, shutdownTimeoutMillis: 300, batch: { exportTimeoutMillis: FAR_MS } });
    await research(traced, 'job-flush');
    await within(traced.tracing.forceFlush(), 'forceFlush()', CLOSE_BOUND_MS);
    assert.equal(exporter.exportCalls, 1);
    assert.equal(exporter.heldExports, 1, 'still unanswered: only the shutdown timeout let forceFlush() return');
  });

  it('an OTLP receiver that never answers', async () => {
    const receiver = await receiverFor('hang');
    const traced = await boot({
      exporter: 'otlp',
      otlp: { endpoint: receiver.tracesUrl, protocol: 'http/protobuf', timeoutMillis: FAR_MS },
      shutdownTimeoutMillis: 300,
      batch: { exportTimeoutMillis: FAR_MS },
    });
    await research(traced, 'job-hang');
    await closeWithinBound(traced);
    assert.equal(receiver.received.length, 1, 'the export request arrived and was left hanging');
    await drain();
    assert.deepEqual(unhandled, []);
  });
});

describe('the export timeout cuts an export short (shutdownTimeoutMillis far away)', () => {
  it('batch.exportTimeoutMillis lets close go on past an export that never answers', async () => {
    const exporter = exporterFor('hang');
    const traced = await boot({ exporter, shutdownTimeoutMillis: FAR_MS, batch: { exportTimeoutMillis: 200 } });
    await research(traced, 'job-export-timeout');
    await closeWithinBound(traced);
    assert.equal(exporter.heldExports, 1, 'the export was given up, not answered');
  });

  it('otlp.timeoutMillis ends a request the collector never answers', async () => {
    const receiver = await receiverFor('hang');
    const traced = await boot({
      exporter: 'otlp',
      otlp: { endpoint: receiver.tracesUrl, protocol: 'http/json', timeoutMillis: 200 },
      shutdownTimeoutMillis: FAR_MS,
      batch: { exportTimeoutMillis: FAR_MS },
    });
    await research(traced, 'job-otlp-timeout');
    await closeWithinBound(traced);
    assert.equal(receiver.received.length, 1, 'one export request, left unanswered by the receiver');
    await drain();
    assert.deepEqual(unhandled, []);
  });
});

describe('the same bounds as variables (read through ConfigService), each the only one near', () => {
  /** A collector that never answers, found through OTEL_EXPORTER_OTLP_ENDPOINT, and the given bounds. */
  async function bootHanging(bounds: Record<string, string>): Promise<{ traced: TracedApp; receiver: OtlpReceiver }> {
    const receiver = await receiverFor('hang');
    const { tracingModule, imports } = await configuredBy({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl, ...bounds });
    const traced = await apps.boot({ tracingModule, imports: [ResearchModule, ...imports] });
    await research(traced, 'job-variables');
    return { traced, receiver };
  }
  const far = String(FAR_MS);

  it('TRACING_SHUTDOWN_TIMEOUT', async () => {
    const { traced, receiver } = await bootHanging({ TRACING_SHUTDOWN_TIMEOUT: '300', OTEL_EXPORTER_OTLP_TIMEOUT: far, OTEL_BSP_EXPORT_TIMEOUT: far });
    await closeWithinBound(traced);
    assert.equal(receiver.received.length, 1);
  });

  for (const variable of ['OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT']) {
    it(variable, async () => {
      const { traced, receiver } = await bootHanging({ [variable]: '200', TRACING_SHUTDOWN_TIMEOUT: far, OTEL_BSP_EXPORT_TIMEOUT: far });
      await closeWithinBound(traced);
      assert.equal(receiver.received.length, 1);
    });
  }
});

describe('a failing exporter never throws into the app', () => {
  const failing: ExporterBehaviour[] = ['throw', 'fail', 'reject-shutdown'];
  for (const behaviour of failing) {
    it(`custom SpanExporter (${behaviour})`, async () => {
      const exporter = exporterFor(behaviour);
      const traced = await boot({ exporter, shutdownTimeoutMillis: 300, batch: { scheduledDelayMillis: 0 } });
      await research(traced, `job-${behaviour}-1`);
      await traced.tracing.forceFlush();
      await research(traced, `job-${behaviour}-2`);
      await closeWithinBound(traced);
      assert.ok(exporter.exportCalls >= 1);
      await drain();
      assert.deepEqual(unhandled, []);
    });
  }

  it('an OTLP receiver answering 500', async () => {
    const receiver = await receiverFor('fail');
    const traced = await boot({ exporter: 'otlp', otlp: { endpoint: receiver.tracesUrl, protocol: 'http/json', timeoutMillis: 500 }, shutdownTimeoutMillis: 300 });
    await research(traced, 'job-failing-backend');
    await closeWithinBound(traced);
    assert.ok(receiver.received.length >= 1, 'the export was attempted');
    await drain();
    assert.deepEqual(unhandled, []);
  });

  it('a closed port (connection refused)', async () => {
    const traced = await boot({ exporter: 'otlp', otlp: { endpoint: await closedPortUrl(), protocol: 'http/json', timeoutMillis: 500 }, shutdownTimeoutMillis: 300 });
    await research(traced, 'job-no-backend');
    await closeWithinBound(traced);
    await drain();
    assert.deepEqual(unhandled, []);
  });
});

describe('after close, the module releases what it registered', () => {
  function globalDelegateIsNoop(): boolean {
    const global = trace.getTracerProvider();
    const delegate = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
    return delegate.constructor.name === 'NoopTracerProvider';
  }
  function contextManagerRegistered(): boolean {
    const key = Symbol('probe');
    return context.with(context.active().setValue(key, true), () => context.active().getValue(key) === true);
  }

  it('global provider, context manager and propagator are gone; a second app starts fresh', async () => {
    assert.equal(globalDelegateIsNoop(), true, 'no provider left registered by an earlier test');
    const first = await boot({ exporter: 'memory' });
    assert.equal(globalDelegateIsNoop(), false, 'the module registered its provider globally');
    assert.equal(contextManagerRegistered(), true);
    assert.deepEqual(propagation.fields(), ['traceparent', 'tracestate', 'baggage']);
    await research(first, 'job-first');
    await closeWithinBound(first);

    assert.equal(globalDelegateIsNoop(), true, 'global provider released');
    assert.equal(contextManagerRegistered(), false, 'context manager released');
    assert.deepEqual(propagation.fields(), [], 'propagator released');

    // Decorated code called between apps creates nothing and still works.
    const between = await boot({ exporter: 'memory', enabled: false });
    await research(between, 'job-between');
    await closeWithinBound(between);

    const second = await boot({ exporter: 'memory' });
    assert.equal(second.app.get<TracingSdk>(TRACING_SDK).origin, 'created', 'not reusing the first app provider');
    await research(second, 'job-second');
    assertResearchTrace(second.spans(), 'job-second');
    assert.ok(second.spans().every((s) => s.attributes['workflow.job_id'] === 'job-second'));
    assert.equal(first.spans().length, 3, 'the first exporter kept its own run');
    assert.ok(first.spans().every((s) => s.attributes['workflow.job_id'] === 'job-first'), 'the first exporter got nothing more');
  });
});

describe('two apps alive in one process (test suites)', () => {
  it('each gets its own provider; closing the first leaves the second fully working', async () => {
    const diagErrors: string[] = [];
    diag.setLogger(
      { error: (m: string) => void diagErrors.push(m), warn: () => undefined, info: () => undefined, debug: () => undefined, verbose: () => undefined },
      DiagLogLevel.WARN,
    );
    apps.cleanup(() => diag.disable());
    const exporterA = exporterFor();
    const exporterB = exporterFor();
    const first = await boot({ exporter: exporterA, batch: { scheduledDelayMillis: FAR_MS } });
    const second = await boot({ exporter: exporterB, batch: { scheduledDelayMillis: FAR_MS } });
    assert.equal(second.app.get<TracingSdk>(TRACING_SDK).origin, 'created', 'not mistaking the first app provider for a user one');
    await closeWithinBound(first);
    assert.equal(exporterA.shutdownCalls, 1);

    await research(second, 'job-survivor');
    await second.tracing.forceFlush();
    assertResearchTrace(exporterB.exported, 'job-survivor');
    assert.equal(exporterA.exported.length, 0);
    await closeWithinBound(second);
    assert.deepEqual(propagation.fields(), [], 'released once the last app closed');
    assert.deepEqual(diagErrors, []);
  });
});
