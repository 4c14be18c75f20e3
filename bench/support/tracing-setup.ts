import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ProxyTracerProvider, trace, type TracerProvider } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { getRuntime, type TracingRuntime } from '../../lib/core/runtime.js';
import { TracingModule, type TracingModuleOptions } from '../../lib/index.js';

@Module({})
class BenchTracingModule {
  static with(options: TracingModuleOptions): DynamicModule {
    return { module: BenchTracingModule, imports: [TracingModule.forRoot(options)] };
  }
}

/** A Nest application context with `TracingModule.forRoot(options)`, and the engine runtime it installed. */
export interface TracingApp {
  app: INestApplicationContext;
  runtime: TracingRuntime;
}

/** Boots `TracingModule` the way an app does (public path) and captures the runtime it installed. */
export async function startTracingApp(options: TracingModuleOptions): Promise<TracingApp> {
  const app = await NestFactory.createApplicationContext(BenchTracingModule.with(options), { logger: false });
  await app.init();
  return { app, runtime: getRuntime() };
}

/** The provider every contender of a suite shares: batch span processor (SDK defaults) + `exporter`. */
export function sharedProvider(exporter: SpanExporter): BasicTracerProvider {
  return new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
}

/** The real provider behind the global API proxy (undefined when none is registered). */
export function globalDelegate(): TracerProvider | undefined {
  const global = trace.getTracerProvider();
  const delegate = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
  return delegate.constructor.name === 'NoopTracerProvider' ? undefined : delegate;
}

/** Makes `provider` the global one (what `trace.getTracer()` returns), replacing any registered before. */
export function useGlobalProvider(provider: TracerProvider): void {
  trace.disable();
  trace.setGlobalTracerProvider(provider);
}
