import { Injectable } from '@nestjs/common';
import { TracingService } from '../tracing.service.js';
import type { TracingHealth } from './tracing-health.js';

/** What the indicator reports under its key (`status` plus details), the shape `@nestjs/terminus` reads. */
export interface TracingIndicatorDetails {
  /** `up` while exports succeed (or tracing is off), `degraded` while they fail: never `down`. */
  status: 'up' | 'degraded';
  tracing: TracingHealth['status'];
  reasons: string[];
  exporters: Record<string, { status: 'ok' | 'failing'; exported: number; dropped: number; failed: number; queued: number; lastError?: string }>;
  store?: { backend: string; available: boolean; written: number; dropped: number; failed: number };
}

/** The indicator's result: its details under the key it was asked for. */
export type TracingIndicatorResult<Key extends string> = Record<Key, TracingIndicatorDetails>;

/**
 * A `@nestjs/terminus` health indicator for the tracing pipeline. It reports `degraded`, not `down`, while the
 * backend fails: losing traces must not make an orchestrator restart a healthy app. It needs nothing from
 * terminus at runtime (the result is plain data), so importing this library never requires it.
 * @example
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([() => this.tracingIndicator.isHealthy('tracing')]);
 * }
 */
@Injectable()
export class TracingHealthIndicator {
  constructor(private readonly tracing: TracingService) {}

  /** The tracing pipeline's state under `key`. */
  isHealthy<const Key extends string = 'tracing'>(key: Key = 'tracing' as Key): Promise<TracingIndicatorResult<Key>> {
    const health = this.tracing.health();
    const exporters: TracingIndicatorDetails['exporters'] = {};
    for (const e of health.exporters) {
      exporters[e.name] = {
        status: e.status,
        exported: e.exported,
        dropped: e.dropped,
        failed: e.failed,
        queued: e.queued,
        ...(e.lastError !== undefined ? { lastError: e.lastError } : {}),
      };
    }
    const store = health.store;
    const details: TracingIndicatorDetails = {
      status: health.status === 'degraded' ? ('degraded' as const) : ('up' as const),
      tracing: health.status,
      reasons: health.reasons,
      exporters,
      ...(store
        ? { store: { backend: store.backend, available: store.available, written: store.written, dropped: store.dropped, failed: store.failed } }
        : {}),
    };
    return Promise.resolve({ [key]: details } as TracingIndicatorResult<Key>);
  }
}
