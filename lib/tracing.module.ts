import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import { createEnvReader } from './config/env-reader.factory.js';
import { resolveTracingConfig } from './config/resolve-config.js';
import type { ResolvedTracingConfig } from './config/resolved-config.js';
import type { TracingModuleOptions } from './config/tracing-options.interface.js';
import { CostService } from './cost/cost.service.js';
import { ProviderCallCostRecorder } from './cost/provider-call.recorder.js';
import { EventListenersInstrumentation } from './events/event-listeners.instrumentation.js';
import { TRACING_INTERCEPTOR_PROVIDERS } from './interceptors/tracing-interceptors.providers.js';
import { TracingHealthIndicator } from './health/tracing-health.indicator.js';
import { MicroservicesInstrumentation } from './microservices/microservices.instrumentation.js';
import { TracingSdk } from './sdk/tracing-sdk.js';
import { traceStoreProviders } from './store/store.providers.js';
import type { TraceStore } from './store/trace-store.js';
import { TraceStoreService } from './store/trace-store.service.js';
import { TRACE_STORE, TRACING_CONFIG, TRACING_SDK } from './tracing.constants.js';
import { TracingLifecycle } from './tracing.lifecycle.js';
import { ConfigurableTracingModule, TRACING_MODULE_OPTIONS } from './tracing.module-definition.js';
import { TracingService } from './tracing.service.js';

/**
 * Turns a Nest app into a traced AI backend: sets up (or reuses) the OpenTelemetry tracer provider and
 * exporter, installs the span engine used by the trace decorators, and traces HTTP requests, gateway
 * messages, microservice messages (server and `ClientProxy` side) and `@OnEvent` listeners. Global: import it
 * once in the root module.
 * @example
 * TracingModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ serviceName: config.get('APP_NAME') }),
 * })
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: TRACING_CONFIG,
      inject: [TRACING_MODULE_OPTIONS, ModuleRef],
      useFactory: async (options: TracingModuleOptions | undefined, moduleRef: ModuleRef) =>
        resolveTracingConfig(options ?? {}, await createEnvReader(moduleRef)),
    },
    {
      provide: TRACING_SDK,
      inject: [TRACING_CONFIG, TRACE_STORE],
      useFactory: (config: ResolvedTracingConfig, store: TraceStore | null) =>
        TracingSdk.start(config, store ? [store.processor] : []),
    },
    ...traceStoreProviders,
    CostService,
    ProviderCallCostRecorder,
    TracingLifecycle,
    TracingService,
    TracingHealthIndicator,
    ...TRACING_INTERCEPTOR_PROVIDERS,
    MicroservicesInstrumentation,
    EventListenersInstrumentation,
  ],
  exports: [TracingService, TracingHealthIndicator, CostService, TraceStoreService, TRACING_CONFIG],
})
export class TracingModule extends ConfigurableTracingModule {
  /** Configures tracing from `options` (all optional), the environment and defaults, in that order. */
  static override forRoot(options: TracingModuleOptions = {}): DynamicModule {
    return super.forRoot(options);
  }
}
