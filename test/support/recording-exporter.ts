import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TracingModuleOptions, TracingService } from '../../lib/index.js';
import { waitForOpenSpansToEnd } from './tracing-harness.js';

/** How a test exporter behaves. */
export type ExporterBehaviour = 'ok' | 'hang' | 'throw' | 'fail' | 'hang-shutdown' | 'reject-shutdown';

/**
 * A user's own `SpanExporter` (passed as `exporter`), recording what the SDK hands it, batch by batch. `hang`
 * holds every export unanswered, `throw` throws from export, `fail` reports FAILED, `hang-shutdown` never settles
 * shutdown, `reject-shutdown` rejects it. `release()` answers whatever is held (a backend coming back), so a
 * test's teardown can always finish a close that a hanging exporter held up.
 */
export class RecordingExporter implements SpanExporter {
  /** Every span handed over, in order. */
  readonly exported: ReadableSpan[] = [];
  /** The spans of each `export` call: the batches, as the backend would receive them. */
  readonly batches: ReadableSpan[][] = [];
  exportCalls = 0;
  shutdownCalls = 0;
  private readonly held: Array<(result: ExportResult) => void> = [];
  private readonly pendingShutdowns: Array<() => void> = [];

  constructor(private behaviour: ExporterBehaviour = 'ok') {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exportCalls++;
    this.batches.push([...spans]);
    this.exported.push(...spans);
    if (this.behaviour === 'hang') {
      this.held.push(resultCallback);
      return;
    }
    if (this.behaviour === 'throw') throw new Error('exporter exploded');
    if (this.behaviour === 'fail') {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('backend said no') });
      return;
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    this.shutdownCalls++;
    if (this.behaviour === 'hang-shutdown') return new Promise<void>((resolve) => this.pendingShutdowns.push(resolve));
    if (this.behaviour === 'reject-shutdown') return Promise.reject(new Error('shutdown exploded'));
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** From now on, exports stay unanswered until `release()` (a slow or stuck backend). */
  hold(): void {
    this.behaviour = 'hang';
  }

  /** Answers every held export with success, settles pending shutdowns, and behaves as `ok` from now on. */
  release(): void {
    this.behaviour = 'ok';
    for (const callback of this.held.splice(0)) callback({ code: ExportResultCode.SUCCESS });
    for (const resolve of this.pendingShutdowns.splice(0)) resolve();
  }

  /** Exports answered nothing yet. */
  get heldExports(): number {
    return this.held.length;
  }

  /** Names of the spans received, in order. */
  names(): string[] {
    return this.exported.map((s) => s.name);
  }
}

/**
 * For "traces nothing" checks that can fail: boots an app with `tracing` and a `RecordingExporter` of its own,
 * runs `work`, closes the app (which flushes) and returns the names of the spans the exporter received. Run it
 * once as a control with tracing on (the exporter must receive the work's spans) and once with the setting under
 * test (it must receive none): an exporter that could not have received anything proves nothing.
 */
export async function spansExportedBy<A extends { close(): Promise<void> }>(
  boot: (tracing: TracingModuleOptions) => Promise<A>,
  tracing: TracingModuleOptions,
  work: (app: A) => Promise<void>,
): Promise<string[]> {
  const exporter = new RecordingExporter();
  const app = await boot({ ...tracing, exporter });
  try {
    await work(app);
    // Closing the app shuts the exporter down before the HTTP server: a request span still ending would be lost.
    const tracing = (app as { tracing?: TracingService }).tracing;
    if (tracing) await waitForOpenSpansToEnd(tracing, 2_000).catch(() => undefined);
  } finally {
    await app.close();
  }
  return exporter.names().sort();
}
