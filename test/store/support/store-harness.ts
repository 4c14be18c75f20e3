import { context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { resolveTracingConfig } from '../../../lib/config/resolve-config.js';
import type { ResolvedTracingConfig } from '../../../lib/config/resolved-config.js';
import type { TracingModuleOptions } from '../../../lib/config/tracing-options.interface.js';
import { installRuntime } from '../../../lib/core/runtime.js';
import { mergeAttribution, type Attribution } from '../../../lib/core/span-scope.js';
import { CostService } from '../../../lib/cost/cost.service.js';
import { ProviderCallCostRecorder } from '../../../lib/cost/provider-call.recorder.js';
import { TraceStore, type TraceStoreTuning } from '../../../lib/store/trace-store.js';
import { TraceStoreService } from '../../../lib/store/trace-store.service.js';
import { LIBRARY_NAME } from '../../../lib/tracing.constants.js';
import { createTestSchema } from '../../support/postgres.js';
import { DEMO_PRICES } from '../fixtures/demo-workflow.js';

// The temp folders of the shared kit, re-exported where store tests found them before.
export { tempDir } from '../../support/temp-dir.js';

let contextManagerReady = false;

/** A resolved config as TracingModule would build it (no environment), with the demo prices. */
export function testConfig(options: TracingModuleOptions): ResolvedTracingConfig {
  return resolveTracingConfig({ pricing: { models: DEMO_PRICES, bundled: false }, ...options }, () => undefined);
}

/** A store fed by a real tracer provider, with the library's span engine and cost recorder installed. */
export interface TracedStore {
  config: ResolvedTracingConfig;
  store: TraceStore;
  service: TraceStoreService;
  /** The SDK tracer feeding the store (for spans with explicit times). */
  tracer: Tracer;
  /** Every finished span (in-memory exporter beside the store): the "count in". */
  finished(): ReadableSpan[];
  /** Runs `fn` with `attribution` (user, tenant...) in the context. */
  as<T>(attribution: Attribution, fn: () => T): T;
  /** Flushes the provider (the store writes everything queued). */
  flush(): Promise<void>;
  /** Shuts the provider down, closes the store and puts the default runtime back. */
  close(): Promise<void>;
}

/** The store backends every shared store test runs on. */
export const STORE_DRIVERS = ['sqlite', 'postgres'] as const;

/**
 * Opens a store on `driver` (SQLite: `traces.db` in `dir`; PostgreSQL: a schema of its own, dropped on close) and
 * routes spans of decorated classes into it.
 */
export async function openTracedStoreOn(
  driver: (typeof STORE_DRIVERS)[number],
  dir: string,
  store: TracingModuleOptions['store'] = {},
  tuning: TraceStoreTuning = {},
  serviceName = 'research-api',
): Promise<TracedStore> {
  if (driver === 'sqlite') return openTracedStore(`${dir}/traces.db`, store, tuning, serviceName);
  const schema = await createTestSchema();
  const config = testConfig({ store: { url: schema.url, ...store } });
  const traced = tracedStore(config, await TraceStore.connect(config.store, tuning), serviceName);
  return {
    ...traced,
    close: async () => {
      await traced.close();
      await schema.drop();
    },
  };
}

/**
 * Opens a store at `location`, a SQLite path or a PostgreSQL URL (whose schema outlives the store: the caller
 * drops it), and routes spans of decorated classes into it.
 */
export async function openTracedStoreAt(location: string, store: TracingModuleOptions['store'] = {}): Promise<TracedStore> {
  if (!location.startsWith('postgres')) return openTracedStore(location, store);
  const config = testConfig({ store: { url: location, ...store } });
  return tracedStore(config, await TraceStore.connect(config.store), 'research-api');
}

/** Opens a store at `path` and routes spans of decorated classes into it. */
export function openTracedStore(
  path: string,
  store: TracingModuleOptions['store'] = {},
  tuning: TraceStoreTuning = {},
  serviceName = 'research-api',
): TracedStore {
  const config = testConfig({ store: { path, ...store } });
  return tracedStore(config, TraceStore.open(config.store, tuning), serviceName);
}

function tracedStore(config: ResolvedTracingConfig, traceStore: TraceStore, serviceName: string): TracedStore {
  if (!contextManagerReady) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerReady = true;
  }
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor(memory), traceStore.processor],
  });
  const tracer = provider.getTracer(LIBRARY_NAME);
  const restore = installRuntime({
    enabled: true,
    tracer,
    captureContent: false,
    maxContentLength: 4096,
    isSecretKey: () => false,
    recorder: new ProviderCallCostRecorder(config, new CostService(config, traceStore.processor)),
  });
  return {
    config,
    store: traceStore,
    service: new TraceStoreService(traceStore),
    tracer,
    finished: () => memory.getFinishedSpans(),
    as: (attribution, fn) => context.with(mergeAttribution(context.active(), attribution), fn),
    flush: () => provider.forceFlush(),
    close: async () => {
      await provider.shutdown();
      await traceStore.close();
      restore();
    },
  };
}

/** Trace id of a finished span. */
export function traceIdOf(span: ReadableSpan): string {
  return span.spanContext().traceId;
}
