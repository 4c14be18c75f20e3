import 'reflect-metadata';
import { Controller, Get, Injectable, Module, type CallHandler, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { context, SpanKind, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { AddressInfo } from 'node:net';
import { getRuntime, installRuntime } from '../../lib/core/runtime.js';
import { TraceProvider, TracingModule, type TracingModuleOptions } from '../../lib/index.js';
import { childInput, sendToParent, type ChildMessage } from '../support/child-process.js';
import { DropSpanExporter } from '../support/drop.exporter.js';
import { WindowProfiler } from '../support/inspector-profiler.js';
import { globalDelegate, sharedProvider } from '../support/tracing-setup.js';
import { REQUEST, work, type ChatRequest, type Completion } from './contenders.js';
import { handWrittenProviderCall, installHandWrittenOtel } from './per-request.floor.js';

/**
 * How the app is traced. The four compared scenarios: (a) none, (b) TracingModule, (c) the OpenTelemetry
 * auto-instrumentation stack (preloaded), (d) both. The rest are diagnostics (`--diagnose`) that split the
 * cost of (b) into its parts.
 */
export type Scenario =
  | 'none'
  | 'hand-written'
  | 'tracing-module'
  | 'auto-instrumentation'
  | 'both'
  | 'context-manager-only'
  | 'raw-otel-no-export'
  | 'noop-interceptor'
  | 'tracing-module-no-interceptors'
  | 'tracing-module-no-export';

export interface AppInput {
  scenario: Scenario;
  otlpUrl: string;
}

interface ScenarioSetup {
  /** TracingModule options, when the app imports it. */
  tracing?: (otlpUrl: string) => TracingModuleOptions;
  /** Activate the AsyncLocalStorage context manager OpenTelemetry needs, without TracingModule. */
  contextManager?: boolean;
  /** The handler wraps the service call in a hand-written OTel span (spans dropped). */
  rawSpan?: boolean;
  /** One pass-through global interceptor, the way TracingModule registers its HTTP/WebSocket one (none when both are off). */
  noopInterceptor?: boolean;
  /** The floor: hand-written OpenTelemetry spans for the request and the provider call, exported to the sink. */
  handWritten?: boolean;
}

const dropping = (extra: TracingModuleOptions = {}) => (): TracingModuleOptions => ({
  serviceName: 'bench-app',
  exporter: new DropSpanExporter(),
  ...extra,
});

const SETUPS: Record<Scenario, ScenarioSetup> = {
  none: {},
  'hand-written': { handWritten: true },
  'tracing-module': { tracing: (endpoint) => ({ serviceName: 'bench-app', exporter: 'otlp', otlp: { endpoint } }) },
  'auto-instrumentation': {},
  both: { tracing: (endpoint) => ({ serviceName: 'bench-app', exporter: 'otlp', otlp: { endpoint } }) },
  'context-manager-only': { contextManager: true },
  'raw-otel-no-export': { contextManager: true, rawSpan: true },
  'noop-interceptor': { noopInterceptor: true },
  'tracing-module-no-interceptors': { tracing: dropping({ http: { enabled: false }, websocket: { enabled: false } }) },
  'tracing-module-no-export': { tracing: dropping() },
};

@Injectable()
class ChatService {
  @TraceProvider({ provider: 'openai' })
  complete(request: ChatRequest): Promise<Completion> {
    return work(request);
  }
}

/** Set when the handler wraps the call in a hand-written span. */
let rawTracer: Tracer | undefined;
/** Set in the hand-written floor scenario: its tracer for the provider call's span. */
let floorTracer: Tracer | undefined;

@Controller()
class ChatController {
  constructor(private readonly chat: ChatService) {}

  @Get('chat')
  answer(): Promise<Completion> {
    if (floorTracer) return handWrittenProviderCall(floorTracer, REQUEST, () => this.chat.complete(REQUEST));
    if (!rawTracer) return this.chat.complete(REQUEST);
    return rawTracer.startActiveSpan('chat gpt-4o-mini', { kind: SpanKind.CLIENT }, async (span) => {
      try {
        return await this.chat.complete(REQUEST);
      } finally {
        span.end();
      }
    });
  }
}

const passThrough = (): Provider => ({ provide: APP_INTERCEPTOR, useValue: { intercept: (_c: unknown, next: CallHandler) => next.handle() } });

@Module({})
class AppModule {
  static register(setup: ScenarioSetup, otlpUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: setup.tracing ? [TracingModule.forRoot(setup.tracing(otlpUrl))] : [],
      controllers: [ChatController],
      providers: setup.noopInterceptor ? [ChatService, passThrough()] : [ChatService],
    };
  }
}

async function main(): Promise<void> {
  const input = childInput<AppInput>();
  const setup = SETUPS[input.scenario];
  if (setup.contextManager) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    // AsyncLocalStorage turns its promise hooks on at its first run(), as the first traced call would.
    context.with(context.active(), () => undefined);
  }
  if (setup.rawSpan) rawTracer = sharedProvider(new DropSpanExporter()).getTracer('bench-raw');
  const app = await NestFactory.create(AppModule.register(setup, input.otlpUrl), { logger: false });
  if (setup.handWritten) floorTracer = installHandWrittenOtel(app, input.otlpUrl);
  if (!setup.tracing) {
    // Without TracingModule the decorators would still record through the global API tracer (the preload's
    // provider in (c)); these scenarios stand for apps without this library, so its decorators are off.
    installRuntime({ ...getRuntime(), enabled: false });
  }
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  let profiler: WindowProfiler | undefined;
  const handle = async (message: ChildMessage): Promise<void> => {
    switch (message.type) {
      case 'cpu': {
        const usage = process.cpuUsage();
        await sendToParent({ type: 'cpu', micros: usage.user + usage.system });
        return;
      }
      case 'profile-start':
        profiler = new WindowProfiler();
        await profiler.start();
        await sendToParent({ type: 'profiling' });
        return;
      case 'profile-stop':
        await profiler?.stop(String(message.file));
        await sendToParent({ type: 'profiled' });
        return;
      case 'stop': {
        await app.close();
        // (c)/(d): the preload's provider is not Nest's to shut down; flush it so the sink sees every span.
        const provider = globalDelegate() as { forceFlush?: () => Promise<void> } | undefined;
        await provider?.forceFlush?.();
        await sendToParent({ type: 'stopped' });
        return;
      }
      case 'exit':
        process.exit(0);
    }
  };
  process.on('message', (raw: unknown) => void handle(raw as ChildMessage));
  await sendToParent({ type: 'ready', port });
}

main().catch(async (error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(message);
  await sendToParent({ type: 'error', message }).catch(() => undefined);
  process.exit(1);
});
