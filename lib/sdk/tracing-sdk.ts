import { ProxyTracerProvider, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { reportOnce } from '../core/safe-execute.js';
import { LIBRARY_NAME, LIBRARY_VERSION } from '../tracing.constants.js';
import type { BoundedMemorySpanExporter } from './bounded-memory.exporter.js';
import { createExportPipeline } from './exporter.factory.js';
import { acquireContextAndPropagation, hasGlobalTracerProvider, registerOwnProvider } from './otel-globals.js';

/** Where the tracer came from: created by us, passed in `tracerProvider`, reused from the global API, or disabled. */
export type ProviderOrigin = 'created' | 'option' | 'global' | 'disabled';

const NOOP_DELEGATE = new ProxyTracerProvider().getDelegate();

/**
 * The OpenTelemetry side of the module: creates (or reuses) the tracer provider, registers the context
 * manager and propagators it needs, and on shutdown flushes and releases only what it created itself.
 */
export class TracingSdk {
  private readonly cleanups: Array<() => void> = [];

  private constructor(
    readonly tracer: Tracer,
    readonly origin: ProviderOrigin,
    private readonly ownedProvider: BasicTracerProvider | undefined,
    private readonly memoryExporter: BoundedMemorySpanExporter | undefined,
    private readonly shutdownTimeoutMillis: number,
  ) {}

  /** Sets up tracing for `config`; `extraProcessors` (the trace store) join a provider we create. */
  static start(config: ResolvedTracingConfig, extraProcessors: SpanProcessor[] = []): TracingSdk {
    const timeout = config.shutdownTimeoutMillis;
    if (!config.enabled) {
      return new TracingSdk(NOOP_DELEGATE.getTracer(LIBRARY_NAME), 'disabled', undefined, undefined, timeout);
    }
    const reused: TracerProvider | undefined = config.tracerProvider ?? (hasGlobalTracerProvider() ? trace.getTracerProvider() : undefined);
    if (reused) {
      const origin: ProviderOrigin = config.tracerProvider ? 'option' : 'global';
      const sdk = new TracingSdk(reused.getTracer(LIBRARY_NAME, LIBRARY_VERSION), origin, undefined, undefined, timeout);
      sdk.registerContextAndPropagation();
      return sdk;
    }
    const pipeline = createExportPipeline(config);
    const processors = [pipeline.processor, ...extraProcessors].filter((p): p is SpanProcessor => p !== undefined);
    const provider = new BasicTracerProvider({
      resource: defaultResource().merge(
        resourceFromAttributes({
          ...config.resourceAttributes,
          'service.name': config.serviceName,
          ...(config.serviceVersion ? { 'service.version': config.serviceVersion } : {}),
        }),
      ),
      sampler: createSampler(config),
      spanProcessors: processors,
      spanLimits:
        config.attributeValueLengthLimit === undefined ? undefined : { attributeValueLengthLimit: config.attributeValueLengthLimit },
    });
    const sdk = new TracingSdk(provider.getTracer(LIBRARY_NAME, LIBRARY_VERSION), 'created', provider, pipeline.memoryExporter, timeout);
    const unregister = registerOwnProvider(provider);
    if (unregister) sdk.cleanups.push(unregister);
    sdk.registerContextAndPropagation();
    return sdk;
  }

  /** Spans held by the in-memory exporter (`exporter: 'memory'`), oldest first; empty for other exporters. */
  getFinishedSpans(): ReadableSpan[] {
    return this.memoryExporter ? [...this.memoryExporter.getFinishedSpans()] : [];
  }

  /** Clears the in-memory exporter. */
  resetFinishedSpans(): void {
    this.memoryExporter?.reset();
  }

  /** True when `exporter: 'memory'` is in use. */
  get hasMemoryExporter(): boolean {
    return this.memoryExporter !== undefined;
  }

  /** Exports every finished span now (bounded by the shutdown timeout); a no-op for providers we did not create. */
  async forceFlush(): Promise<void> {
    if (!this.ownedProvider) return;
    await withTimeout(this.ownedProvider.forceFlush(), this.shutdownTimeoutMillis, 'forceFlush');
  }

  /** Flushes and shuts down what this module created, within the timeout; never touches a provider it reused. */
  async shutdown(): Promise<void> {
    try {
      if (this.ownedProvider) await withTimeout(this.ownedProvider.shutdown(), this.shutdownTimeoutMillis, 'shutdown');
    } finally {
      for (const cleanup of this.cleanups.splice(0).reverse()) cleanup();
    }
  }

  private registerContextAndPropagation(): void {
    const release = acquireContextAndPropagation();
    if (release) this.cleanups.push(release);
  }
}

function createSampler(config: ResolvedTracingConfig): Sampler {
  // Rates 1 and 0 need no trace-id hashing: the always-on/off samplers decide for free.
  const rate = config.sampleRate;
  const root = rate >= 1 ? new AlwaysOnSampler() : rate <= 0 ? new AlwaysOffSampler() : new TraceIdRatioBasedSampler(rate);
  return config.parentBasedSampling ? new ParentBasedSampler({ root }) : root;
}

/** Resolves when `work` settles or `ms` pass, whichever is first; a timeout is reported, not thrown. */
async function withTimeout(work: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([work.then(() => 'done' as const), timeout]);
    if (outcome === 'timeout') reportOnce(`tracing ${what}`, new Error(`did not finish within ${ms} ms; continuing without it`));
  } catch (error) {
    reportOnce(`tracing ${what}`, error);
  } finally {
    clearTimeout(timer);
  }
}
