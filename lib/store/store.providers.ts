import type { Provider } from '@nestjs/common';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { COST_LEDGER, TRACE_STORE, TRACING_CONFIG } from '../tracing.constants.js';
import { ExplorerMount } from './explorer/explorer.mount.js';
import { TraceStore } from './trace-store.js';
import { TraceStoreService } from './trace-store.service.js';

/** Opens the store when tracing and `store.enabled` are on; `null` otherwise. */
export async function createTraceStore(config: ResolvedTracingConfig): Promise<TraceStore | null> {
  if (!config.enabled || !config.store.enabled) return null;
  return TraceStore.connect(config.store);
}

/**
 * Providers of the store and explorer for `TracingModule`: `TRACE_STORE` (a `TraceStore` or `null`),
 * `COST_LEDGER` (the store's cost rows, fed by `CostService`, or `null`), `TraceStoreService` (queries; rejects
 * when the store is off) and `ExplorerMount` (serves the explorer). Closing the store (after the tracer provider
 * flushed its processors) is the SDK lifecycle's job.
 */
export const traceStoreProviders: Provider[] = [
  { provide: TRACE_STORE, inject: [TRACING_CONFIG], useFactory: createTraceStore },
  { provide: COST_LEDGER, inject: [TRACE_STORE], useFactory: (store: TraceStore | null) => store?.processor ?? null },
  TraceStoreService,
  ExplorerMount,
];
