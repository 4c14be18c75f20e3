import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ResolvedTracingConfig } from './config/resolved-config.js';
import { ProviderCallCostRecorder } from './cost/provider-call.recorder.js';
import { installRuntime } from './core/runtime.js';
import { secretKeyMatcher } from './core/secret-keys.js';
import { OperationMetricsRecorder } from './metrics/operation-metrics.js';
import { EvaluationRunner } from './evaluation/evaluation-runner.js';
import { conventionSet } from './genai/conventions/convention-set.js';
import type { TracingSdk } from './sdk/tracing-sdk.js';
import type { TraceStore } from './store/trace-store.js';
import { storeOnReusedProvider } from './tracing.messages.js';
import { TRACE_STORE, TRACING_CONFIG, TRACING_SDK } from './tracing.constants.js';

/**
 * Installs the engine's runtime as soon as the module's providers exist (before any `onModuleInit` can make
 * a traced call) and, at `app.close()`, flushes and shuts down what the module created.
 */
@Injectable()
export class TracingLifecycle implements OnApplicationShutdown {
  private readonly uninstall: () => void;
  private readonly evaluations: EvaluationRunner | undefined;

  constructor(
    @Inject(TRACING_CONFIG) config: ResolvedTracingConfig,
    @Inject(TRACING_SDK) private readonly sdk: TracingSdk,
    recorder: ProviderCallCostRecorder,
    @Inject(TRACE_STORE) private readonly store: TraceStore | null,
  ) {
    const feedStore = store !== null && (sdk.origin === 'option' || sdk.origin === 'global');
    if (feedStore) new Logger('AiTracing').warn(storeOnReusedProvider());
    this.evaluations = config.evaluators.length > 0 ? new EvaluationRunner(config.evaluators, config.evaluation) : undefined;
    this.uninstall = installRuntime({
      enabled: sdk.origin !== 'disabled',
      tracer: sdk.tracer,
      captureContent: config.captureContent,
      maxContentLength: config.maxContentLength,
      isSecretKey: secretKeyMatcher(config.redactKeys, config.redactDefaultKeys),
      recorder,
      metrics: new OperationMetricsRecorder(),
      conventions: conventionSet(config.conventions),
      evaluations: this.evaluations,
      spanSink: feedStore ? (span) => store.processor.onEnd(span as unknown as ReadableSpan) : undefined,
      websocket: { enabled: config.websocket.enabled, ignoreEvents: config.websocket.ignoreEvents },
      propagation: config.propagation,
      microservices: { enabled: config.microservices.enabled },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      // Spans still waiting for their evaluators are exported now, unevaluated, before the final flush.
      this.evaluations?.close();
      // The provider's shutdown flushes the store's processor; only then may the database close.
      await this.sdk.shutdown();
      await this.store?.close();
    } finally {
      this.uninstall();
    }
  }
}
