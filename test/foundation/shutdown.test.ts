import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { context, diag, DiagLogLevel, propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { TracingModule, type TracingModuleOptions } from '../../lib/index.js';
import type { TracingSdk } from '../../lib/sdk/tracing-sdk.js';
import { TRACING_SDK } from '../../lib/tracing.constants.js';
import { createTracedApp, type TracedApp } from '../support/tracing-harness.js';
import { isolateEnv } from './fixtures/env-isolation.js';
import { decodeJsonExport, flattenSpans } from './fixtures/otlp-decode.js';
import { closedPortUrl, startOtlpReceiver, type OtlpReceiver, type ReceiverMode } from './fixtures/otlp-receiver.js';
import { RecordingExporter, type ExporterBehaviour } from './fixtures/recording.exporter.js';
import { assertResearchTrace } from './fixtures/research.assertions.js';
import { RESEARCH_SPANS, ResearchModule, ResearchWorkload } from './fixtures/research.workload.js';

/** Generous bound: close must not hang, but this is not a timing test. */
const CLOSE_BOUND_MS = 5000;

let app: TracedApp | undefined;
let receiver: OtlpReceiver | undefined;
let restoreEnv: () => void = () => undefined;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

beforeEach(() => {
  restoreEnv = isolateEnv();
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  await receiver?.close();
  receiver = undefined;
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  restoreEnv();
});

async function boot(options: TracingModuleOptions): Promise<TracedApp> {
  app = await createTracedApp({ tracingModule: TracingModule.forRoot(options), imports: [ResearchModule], listen: false });
  return app;
}

async function research(traced: TracedApp, jobId: string): Promise<void> {
  assert.equal(await traced.app.get(ResearchWorkload).run({ jobId, topic: 'shutdown' }), '2 documents');
}

/** Closes the app, failing (not hanging) if close takes longer than the generous bound. */
async function closeWithinBound(traced: TracedApp): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`app.close() still pending after ${CLOSE_BOUND_MS} ms`)), CLOSE_BOUND_MS);
  });
  try {
    await Promise.race([traced.close(), bound]);
  } finally {
    clearTimeout(timer);
    app = undefined;
  }
}

/** Lets already-settled callbacks run, so an unhandled rejection from the close would have been seen. */
const drain = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('no finished span is lost on a clean close', () => {
  it('a batch exporter gets spans ended just before close, then is shut down', async () => {
    const exporter = new RecordingExporter();
    // A long schedule: only the flush at close can export these spans.
    const traced = await boot({ exporter, batch: { scheduledDelayMillis: 60_000 } });
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
    receiver = await startOtlpReceiver();
    const traced = await boot({
      exporter: 'otlp',
      otlp: { endpoint: receiver.tracesUrl, protocol: 'http/json' },
      batch: { scheduledDelayMillis: 60_000 },
    });
    await research(traced, 'job-otlp');
    assert.equal(receiver.received.length, 0, 'nothing posted before close');
    await closeWithinBound(traced);
    const spans = flattenSpans(receiver.received.map((r) => decodeJsonExport(r.body)));
    assert.deepEqual(spans.map((s) => s.name).sort(), [RESEARCH_SPANS.workflow, RESEARCH_SPANS.retrieve, RESEARCH_SPANS.summarize].sort());
  });

  it('with enableShutdownHooks, SIGTERM flushes the spans before the process exits', async () => {
    receiver = await startOtlpReceiver();
    const script = fileURLToPath(new URL('./fixtures/shutdown-hooks.app.js', import.meta.url));
    const child = spawn(process.execPath, [script], {
      env: {
        ...process.env,
        FIXTURE_SHUTDOWN_HOOKS: '1',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '60000',
        OTEL_SERVICE_NAME: 'shutdown-hooks',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    let stdout = '';
    for await (const chunk of child.stdout) {
      stdout += String(chunk);
      if (stdout.includes('ready')) break;
    }
    assert.match(stdout, /ready/, `child did not start: ${stderr}`);
    assert.equal(receiver.received.length, 0, 'nothing posted before the signal');
    child.kill('SIGTERM');
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    assert.ok(code === 0 || signal === 'SIGTERM', `child exit code=${code} signal=${signal} ${stderr}`);
    const spans = flattenSpans(receiver.received.map((r) => decodeJsonExport(r.body)));
    assert.deepEqual(spans.map((s) => s.name).sort(), [RESEARCH_SPANS.workflow, RESEARCH_SPANS.retrieve, RESEARCH_SPANS.summarize].sort());
    assert.ok(spans.every((s) => s.resource['service.name'] === 'shutdown-hooks'));
  });
});

describe('a hanging exporter does not hang close past shutdownTimeoutMillis', () => {
  const hanging: ExporterBehaviour[] = ['hang', 'hang-shutdown'];
  for (const behaviour of hanging) {
    it(`custom SpanExporter (${behaviour})`, async () => {
      const exporter = new RecordingExporter(behaviour);
      const traced = await boot({ exporter, shutdownTimeoutMillis: 300, batch: { exportTimeoutMillis: 1000 } });
      await research(traced, `job-${behaviour}`);
      await closeWithinBound(traced);
      assert.ok(exporter.exportCalls >= 1, 'the flush reached the exporter');
      await drain();
      assert.deepEqual(unhandled, []);
    });
  }

  it('forceFlush() is bounded too', async () => {
    const exporter = new RecordingExporter('hang');
    const traced = await boot({ exporter, shutdownTimeoutMillis: 300, batch: { exportTimeoutMillis: 1000 } });
    await research(traced, 'job-flush');
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('forceFlush still pending')), CLOSE_BOUND_MS);
    });
    try {
      await Promise.race([traced.tracing.forceFlush(), bound]);
    } finally {
      clearTimeout(timer);
    }
    assert.ok(exporter.exportCalls >= 1);
  });

  it('an OTLP receiver that never answers', async () => {
    receiver = await startOtlpReceiver('hang');
    const traced = await boot({
      exporter: 'otlp',
      otlp: { endpoint: receiver.tracesUrl, protocol: 'http/protobuf', timeoutMillis: 1000 },
      shutdownTimeoutMillis: 300,
    });
    await research(traced, 'job-hang');
    await closeWithinBound(traced);
    assert.equal(receiver.received.length, 1, 'the export request arrived and was left hanging');
    await drain();
    assert.deepEqual(unhandled, []);
  });
});

describe('a failing exporter never throws into the app', () => {
  const failing: ExporterBehaviour[] = ['throw', 'fail', 'reject-shutdown'];
  for (const behaviour of failing) {
    it(`custom SpanExporter (${behaviour})`, async () => {
      const exporter = new RecordingExporter(behaviour);
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

  const receivers: Array<[string, ReceiverMode | 'closed']> = [
    ['an OTLP receiver answering 500', 'fail'],
    ['a closed port (connection refused)', 'closed'],
  ];
  for (const [what, mode] of receivers) {
    it(what, async () => {
      let endpoint: string;
      if (mode === 'closed') {
        endpoint = await closedPortUrl();
      } else {
        receiver = await startOtlpReceiver(mode);
        endpoint = receiver.tracesUrl;
      }
      const traced = await boot({
        exporter: 'otlp',
        otlp: { endpoint, protocol: 'http/json', timeoutMillis: 500 },
        shutdownTimeoutMillis: 300,
      });
      await research(traced, 'job-failing-backend');
      await closeWithinBound(traced);
      if (receiver) assert.ok(receiver.received.length >= 1, 'the export was attempted');
      await drain();
      assert.deepEqual(unhandled, []);
    });
  }
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
    const exporterA = new RecordingExporter();
    const exporterB = new RecordingExporter();
    try {
      const first = await createTracedApp({
        tracingModule: TracingModule.forRoot({ exporter: exporterA, batch: { scheduledDelayMillis: 60_000 } }),
        imports: [ResearchModule],
        listen: false,
      });
      const second = await createTracedApp({
        tracingModule: TracingModule.forRoot({ exporter: exporterB, batch: { scheduledDelayMillis: 60_000 } }),
        imports: [ResearchModule],
        listen: false,
      });
      assert.equal(second.app.get<TracingSdk>(TRACING_SDK).origin, 'created', 'not mistaking the first app provider for a user one');
      await first.close();
      assert.equal(exporterA.shutdownCalls, 1);

      await research(second, 'job-survivor');
      await second.tracing.forceFlush();
      assertResearchTrace(exporterB.exported, 'job-survivor');
      assert.equal(exporterA.exported.length, 0);
      await closeWithinBound(second);
      assert.deepEqual(propagation.fields(), [], 'released once the last app closed');
      assert.deepEqual(diagErrors, []);
    } finally {
      diag.disable();
    }
  });
});
