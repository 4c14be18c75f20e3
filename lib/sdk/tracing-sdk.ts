import { Logger } from '@nestjs/common';
import { ProxyTracerProvider, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
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
import { acquireDiagLogger } from '../health/diag-logger.js';
import { PipelineMonitor } from '../health/pipeline-monitor.js';
import { startMeterProvider } from '../metrics/meter-provider.factory.js';
import { LIBRARY_NAME, LIBRARY_VERSION } from '../tracing.constants.js';
import { propagatorsIgnored } from '../tracing.messages.js';
import type { BoundedMemorySpanExporter } from './bounded-memory.exporter.js';
import { ExportPipelineProcessor } from './export-pipeline.processor.js';
import { ExportQueue } from './export-queue.js';
import { createExporters } from './exporter.factory.js';
import { createResource } from './resource.js';
import { acquireContextAndPropagation, hasGlobalPropagator, hasGlobalTracerProvider, registerOwnProvider } from './otel-globals.js';

/** Where the tracer came from: created by us, passed in `tracerProvider`, reused from the global API, or disabled. */
export type ProviderOrigin = 'created' | 'option' | 'global' | 'disabled';

const NOOP_DELEGATE = new ProxyTracerProvider().getDelegate();

/**
 * The OpenTelemetry side of the module: creates (or reuses) the tracer provider, registers the context
 * manager and propagators it needs, and on shutdown flushes and releases only what it created itself.
 */
export class TracingSdk {
  private readonly cleanups: Array<() => void> = [];
  /** Shut down (within the timeout) with the provider: the MeterProvider the module built, if any. */
  private readonly closers: Array<() => Promise<void>> = [];
  /** The exporters' queues and counters of a provider this module created. */
  pipeline: ExportPipelineProcessor | undefined;

  private constructor(
    readonly tracer: Tracer,
    readonly origin: ProviderOrigin,
    private readonly ownedProvider: BasicTracerProvider | undefined,
    private readonly memoryExporter: BoundedMemorySpanExporter | undefined,
    private readonly shutdownTimeoutMillis: number,
  ) {}

  /**
   * Sets up tracing for `config`; `extraProcessors` (the trace store) join a provider we create. Each exporter
   * gets its own queue, so a slow or failing one never holds up another.
   */
  static start(config: ResolvedTracingConfig, extraProcessors: SpanProcessor[] = []): TracingSdk {
    const timeout = config.shutdownTimeoutMillis;
    if (!config.enabled) {
      return new TracingSdk(NOOP_DELEGATE.getTracer(LIBRARY_NAME), 'disabled', undefined, undefined, timeout);
    }
    const resource = createResource(config);
    const reused: TracerProvider | undefined = config.tracerProvider ?? (hasGlobalTracerProvider() ? trace.getTracerProvider() : undefined);
    if (reused) {
      const stopMetrics = startMeterProvider(config, resource);
      const origin: ProviderOrigin = config.tracerProvider ? 'option' : 'global';
      const sdk = new TracingSdk(reused.getTracer(LIBRARY_NAME, LIBRARY_VERSION), origin, undefined, undefined, timeout);
      if (stopMetrics) sdk.closers.push(stopMetrics);
      sdk.registerContextAndPropagation(config);
      return sdk;
    }
    // Exporters first: a missing optional exporter fails bootstrap before anything global is registered.
    const { entries, memory } = createExporters(config);
    const stopMetrics = startMeterProvider(config, resource);
    const monitor = new PipelineMonitor(new Logger('AiTracing'), config.health.logIntervalMillis, config.batch.maxQueueSize);
    const queues = entries.map(
      (e) => new ExportQueue(e.name, e.endpoint, e.exporter, { ...config.batch, immediate: e.immediate }, monitor),
    );
    const pipeline = new ExportPipelineProcessor(queues);
    const provider = new BasicTracerProvider({
      resource,
      sampler: createSampler(config),
      spanProcessors: [pipeline, ...extraProcessors],
      // Every limit is passed, so the SDK never reads an unvalidated OTEL_*_LIMIT from process.env itself.
      generalLimits: { attributeCountLimit: config.spanLimits.attributeCountLimit, attributeValueLengthLimit: valueLength(config) },
      spanLimits: { ...config.spanLimits, attributeValueLengthLimit: valueLength(config) },
    });
    const sdk = new TracingSdk(provider.getTracer(LIBRARY_NAME, LIBRARY_VERSION), 'created', provider, memory, timeout);
    sdk.pipeline = pipeline;
    if (stopMetrics) sdk.closers.push(stopMetrics);
    sdk.cleanups.push(() => monitor.stop(), acquireDiagLogger(config.logLevel));
    const unregister = registerOwnProvider(provider);
    if (unregister) sdk.cleanups.push(unregister);
    sdk.registerContextAndPropagation(config);
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
      const work = [...(this.ownedProvider ? [this.ownedProvider.shutdown()] : []), ...this.closers.splice(0).map((close) => close())];
      if (work.length > 0) await withTimeout(Promise.all(work).then(() => undefined), this.shutdownTimeoutMillis, 'shutdown');
    } finally {
      for (const cleanup of this.cleanups.splice(0).reverse()) cleanup();
    }
  }

  private registerContextAndPropagation(config: ResolvedTracingConfig): void {
    if (config.propagators !== undefined && hasGlobalPropagator()) new Logger('AiTracing').log(propagatorsIgnored(config.propagators));
    const release = acquireContextAndPropagation(config.propagators);
    if (release) this.cleanups.push(release);
  }
}

function valueLength(config: ResolvedTracingConfig): number {
  return config.attributeValueLengthLimit ?? Infinity;
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
