import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { ResolvedTracingConfig } from './config/resolved-config.js';
import { ProviderCallCostRecorder } from './cost/provider-call.recorder.js';
import { installRuntime } from './core/runtime.js';
import { secretKeyMatcher } from './core/serialize.js';
import type { TracingSdk } from './sdk/tracing-sdk.js';
import { TRACING_CONFIG, TRACING_SDK } from './tracing.constants.js';

/**
 * Installs the engine's runtime as soon as the module's providers exist (before any `onModuleInit` can make
 * a traced call) and, at `app.close()`, flushes and shuts down what the module created.
 */
@Injectable()
export class TracingLifecycle implements OnApplicationShutdown {
  private readonly uninstall: () => void;

  constructor(
    @Inject(TRACING_CONFIG) config: ResolvedTracingConfig,
    @Inject(TRACING_SDK) private readonly sdk: TracingSdk,
    recorder: ProviderCallCostRecorder,
  ) {
    this.uninstall = installRuntime({
      enabled: sdk.origin !== 'disabled',
      tracer: sdk.tracer,
      captureContent: config.captureContent,
      maxContentLength: config.maxContentLength,
      isSecretKey: secretKeyMatcher(config.redactKeys),
      recorder,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.sdk.shutdown();
    } finally {
      this.uninstall();
    }
  }
}
