import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import type { BatchOptions } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { configuredBy } from '../support/config-service.js';
import { RecordingExporter } from '../support/recording-exporter.js';
import type { TracedApp } from '../support/tracing-harness.js';
import { waitFor } from '../support/waits.js';

/**
 * The batch settings (`batch.*` options and `OTEL_BSP_*` variables) shown by their effect on what reaches the
 * app's own exporter: how many spans a full queue keeps, how big each export is, when the scheduled export runs
 * and when a stuck export is given up. Each bound under test is small; every other one is far away.
 */
const apps = tracedAppPerTest({ listen: false });
const FAR_MS = 600_000;

const VARIABLES: Record<keyof BatchOptions, string> = {
  maxQueueSize: 'OTEL_BSP_MAX_QUEUE_SIZE',
  maxExportBatchSize: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  scheduledDelayMillis: 'OTEL_BSP_SCHEDULE_DELAY',
  exportTimeoutMillis: 'OTEL_BSP_EXPORT_TIMEOUT',
};

/** The settings as `batch` options, or as `OTEL_BSP_*` variables read through ConfigService only. */
const SOURCES = ['batch option', 'OTEL_BSP_* variable'] as const;
type Source = (typeof SOURCES)[number];

async function boot(source: Source, batch: Required<BatchOptions>): Promise<{ app: TracedApp; exporter: RecordingExporter }> {
  const exporter = new RecordingExporter();
  // Whatever a test left held is answered before the app closes, so the close never waits on it.
  apps.defer(() => exporter.release());
  if (source === 'batch option') return { app: await apps.boot({ tracing: { exporter, batch } }), exporter };
  const variables = Object.fromEntries(Object.entries(batch).map(([key, value]) => [VARIABLES[key as keyof BatchOptions], value]));
  return { app: await apps.boot(await configuredBy(variables, { exporter })), exporter };
}

/** Ends spans `first` to `first + count - 1`, named `s{n}`, synchronously. */
function endSpans(app: TracedApp, first: number, count: number): void {
  for (let n = first; n < first + count; n++) app.tracing.withSpan(`s${n}`, () => undefined);
}

const names = (first: number, count: number) => Array.from({ length: count }, (_, i) => `s${first + i}`);

/** Lets callbacks and promise jobs due now run (setImmediate is never faked here). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Fake `setTimeout` from here to the end of the test (restored before the app closes). */
function fakeClock(): void {
  mock.timers.enable({ apis: ['setTimeout'] });
  apps.defer(() => mock.timers.reset());
}

for (const source of SOURCES) {
  describe(`batch span processor settings, as ${source}`, () => {
    it('maxQueueSize: a stuck exporter keeps one full queue and drops the rest (memory stays bounded)', async () => {
      const { app, exporter } = await boot(source, { maxQueueSize: 10, maxExportBatchSize: 4, scheduledDelayMillis: FAR_MS, exportTimeoutMillis: FAR_MS });
      exporter.hold();
      endSpans(app, 0, 4);
      await waitFor('the first (full) batch to reach the exporter', () => (exporter.exportCalls === 1 ? true : undefined), { timeoutMs: 5000 });
      endSpans(app, 4, 50);
      exporter.release();
      await app.tracing.forceFlush();
      const ended = 54;
      const dropped = ended - exporter.exported.length;
      assert.equal(dropped, 40, 'the 40 spans that found the queue full were dropped');
      assert.deepEqual(exporter.names(), [...names(0, 4), ...names(4, 10)], 'the batch in flight, then the 10 queued; the newest dropped');
    });

    it('maxExportBatchSize: no export carries more spans than the batch size', async () => {
      const { app, exporter } = await boot(source, { maxQueueSize: 100, maxExportBatchSize: 3, scheduledDelayMillis: FAR_MS, exportTimeoutMillis: FAR_MS });
      endSpans(app, 0, 10);
      await app.tracing.forceFlush();
      assert.deepEqual(exporter.names(), names(0, 10), 'every span exported once, in order');
      assert.deepEqual(exporter.batches.map((batch) => batch.length), [3, 3, 3, 1]);
    });

    it('scheduledDelayMillis: spans wait that long (fake clock), then go out in one export', async () => {
      const { app, exporter } = await boot(source, { maxQueueSize: 100, maxExportBatchSize: 50, scheduledDelayMillis: 2000, exportTimeoutMillis: FAR_MS });
      fakeClock();
      endSpans(app, 0, 3);
      mock.timers.tick(1999);
      await settle();
      assert.equal(exporter.exportCalls, 0, 'nothing exported before the delay');
      mock.timers.tick(1);
      await settle();
      assert.deepEqual(exporter.batches.map((batch) => batch.map((s) => s.name)), [names(0, 3)]);

      endSpans(app, 3, 1);
      mock.timers.tick(1999);
      await settle();
      assert.equal(exporter.exportCalls, 1, 'the next span waits a full delay again');
      mock.timers.tick(1);
      await settle();
      assert.deepEqual(exporter.names(), names(0, 4));
    });

    it('exportTimeoutMillis: an export never answered is given up after that long (fake clock), and the next one goes out', async () => {
      const { app, exporter } = await boot(source, { maxQueueSize: 10, maxExportBatchSize: 1, scheduledDelayMillis: FAR_MS, exportTimeoutMillis: 1000 });
      fakeClock();
      exporter.hold();
      endSpans(app, 0, 1);
      mock.timers.tick(0);
      await settle();
      assert.equal(exporter.exportCalls, 1, 'the first span is being exported');
      endSpans(app, 1, 1);
      mock.timers.tick(999);
      await settle();
      assert.equal(exporter.exportCalls, 1, 'the second waits while the first export may still answer');
      mock.timers.tick(1);
      await settle();
      mock.timers.tick(0);
      await settle();
      assert.deepEqual(exporter.names(), names(0, 2), 'the stuck export was given up; the second span went out');
    });
  });
}
