import type { ExportPipelineProcessor } from '../sdk/export-pipeline.processor.js';
import type { ExportQueue } from '../sdk/export-queue.js';

/** `ready`: every exporter's last export succeeded and the store is available; `degraded`: not so; `disabled`: tracing is off. */
export type HealthStatus = 'ready' | 'degraded' | 'disabled';

/** Counters of one exporter. For each: spans handed to it = exported + dropped + failed + queued + exporting. */
export interface ExporterHealth {
  /** `otlp`, `console`, `memory`, or the class name of your own exporter. */
  name: string;
  /** Where it sends to (OTLP), without credentials. */
  endpoint?: string;
  /** `failing` from a failed export until the next successful one. */
  status: 'ok' | 'failing';
  /** Spans the backend acknowledged. */
  exported: number;
  /** Spans dropped because the queue was full (or because they ended after shutdown). */
  dropped: number;
  /** Spans lost in failed or timed-out exports. */
  failed: number;
  /** Spans waiting in the queue (its depth). */
  queued: number;
  /** Spans in an export call not answered yet. */
  exporting: number;
  /** Export calls that failed. */
  failedExports: number;
  lastError?: string;
  /** ISO time of `lastError`. */
  lastErrorAt?: string;
  /** ISO time of the last successful export. */
  lastSuccessAt?: string;
}

/** What a trace store reports about itself; any store backend (SQLite, PostgreSQL) implements `StoreHealthSource`. */
export interface StoreHealth {
  /** `sqlite`, `postgres`... */
  backend: string;
  /** False while the store cannot be written (closed, connection lost). */
  available: boolean;
  /** Spans waiting to be written. */
  queued: number;
  written: number;
  /** Spans dropped at the store's full queue. */
  dropped: number;
  /** Spans lost to write errors. */
  failed: number;
  lastError?: string;
  /** ISO time of `lastError`. */
  lastErrorAt?: string;
}

/** A trace store that can report its health. */
export interface StoreHealthSource {
  health(): StoreHealth;
}

/**
 * A snapshot of the tracing pipeline (`TracingService.health()`). Span counts cover the provider this module
 * created; with the app's own provider they are absent (its pipeline is the app's SDK's). For every exporter,
 * `spans.started` = exported + dropped + failed + queued + exporting + `spans.open`.
 */
export interface TracingHealth {
  status: HealthStatus;
  /** Why the status is `degraded` (one line per cause). */
  reasons: string[];
  /** Where the tracer provider came from: created by the module, passed as `tracerProvider`, the global one, or none (disabled). */
  provider: 'created' | 'option' | 'global' | 'disabled';
  /** Sampled spans of the module's provider. */
  spans?: { started: number; ended: number; open: number };
  exporters: ExporterHealth[];
  store?: StoreHealth;
  /** ISO time of the snapshot. */
  at: string;
}

/** Assembles the snapshot from the live counters (cheap: no I/O, no query). */
export function healthSnapshot(
  provider: TracingHealth['provider'],
  pipeline: ExportPipelineProcessor | undefined,
  store: StoreHealthSource | null | undefined,
): TracingHealth {
  const exporters = pipeline ? pipeline.queues.map(exporterHealth) : [];
  const storeHealth = store?.health();
  const reasons: string[] = [];
  for (const e of exporters) {
    if (e.status === 'failing') reasons.push(`exporter ${e.name} is failing: ${e.lastError ?? 'export failed'}`);
  }
  if (storeHealth && !storeHealth.available) reasons.push(`trace store (${storeHealth.backend}) is unavailable${storeHealth.lastError ? `: ${storeHealth.lastError}` : ''}`);
  const status: HealthStatus = provider === 'disabled' ? 'disabled' : reasons.length > 0 ? 'degraded' : 'ready';
  return {
    status,
    reasons,
    provider,
    ...(pipeline ? { spans: { started: pipeline.started, ended: pipeline.ended, open: pipeline.open } } : {}),
    exporters,
    ...(storeHealth ? { store: storeHealth } : {}),
    at: new Date().toISOString(),
  };
}

function exporterHealth(queue: ExportQueue): ExporterHealth {
  return {
    name: queue.name,
    ...(queue.endpoint ? { endpoint: queue.endpoint } : {}),
    status: queue.failing ? 'failing' : 'ok',
    exported: queue.exported,
    dropped: queue.dropped,
    failed: queue.failed,
    queued: queue.queued,
    exporting: queue.exporting,
    failedExports: queue.failedExports,
    ...(queue.lastError !== undefined ? { lastError: queue.lastError } : {}),
    ...(queue.lastErrorAt !== undefined ? { lastErrorAt: iso(queue.lastErrorAt) } : {}),
    ...(queue.lastSuccessAt !== undefined ? { lastSuccessAt: iso(queue.lastSuccessAt) } : {}),
  };
}

/** ISO time of an epoch-ms timestamp. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
