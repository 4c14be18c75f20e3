import type { DynamicModule, INestApplication, Provider, Type } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { TracingModule, TracingService, type TracingModuleOptions } from '../../lib/index.js';
import { waitFor } from './waits.js';

/** HTTP platforms every HTTP-level suite runs against. */
export const PLATFORMS = ['express', 'fastify'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** What a test gets back: the running app, its base URL and the spans it finished. */
export interface TracedApp {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` (empty when `listen: false`). */
  url: string;
  tracing: TracingService;
  /** Finished spans so far (in-memory exporter). */
  spans(): ReadableSpan[];
  /**
   * Closes the app. Idempotent: a second call returns the first call's promise, so a teardown can wait for a
   * close that a test gave up on (timed out) instead of leaving the app, its provider and its globals behind.
   */
  close(): Promise<void>;
}

/** Options of `createTracedApp`. */
export interface TracedAppOptions {
  imports?: Array<Type<unknown> | DynamicModule>;
  controllers?: Array<Type<unknown>>;
  providers?: Provider[];
  /** Options for `TracingModule.forRoot` (exporter defaults to 'memory'). Ignored when `tracingModule` is given. */
  tracing?: TracingModuleOptions;
  /** Use this module instead of `TracingModule.forRoot(tracing)` (e.g. a `forRootAsync` variant). */
  tracingModule?: DynamicModule;
  platform?: Platform;
  /** Start an HTTP server on 127.0.0.1 (port 0). @default true */
  listen?: boolean;
  /** Options of the `FastifyAdapter` the harness creates on `fastify` (e.g. `trustProxy`). */
  fastifyOptions?: ConstructorParameters<typeof FastifyAdapter>[0];
  /** Called with the app before `listen`/`init` (adapters, global prefix, versioning...). */
  configure?: (app: INestApplication) => void | Promise<void>;
}

/** Builds a real Nest app with tracing to the in-memory exporter, listening on 127.0.0.1. */
export async function createTracedApp(options: TracedAppOptions = {}): Promise<TracedApp> {
  const tracingModule = options.tracingModule ?? TracingModule.forRoot({ exporter: 'memory', ...options.tracing });
  const moduleRef = await Test.createTestingModule({
    imports: [tracingModule, ...(options.imports ?? [])],
    controllers: options.controllers ?? [],
    providers: options.providers ?? [],
  }).compile();
  const app =
    options.platform === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(options.fastifyOptions), { logger: false })
      : moduleRef.createNestApplication({ logger: false });
  await options.configure?.(app);
  let url = '';
  if (options.listen === false) {
    await app.init();
  } else {
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  }
  const tracing = app.get(TracingService);
  let closing: Promise<void> | undefined;
  return { app, url, tracing, spans: () => tracing.getFinishedSpans(), close: () => (closing ??= app.close()) };
}

/** Polls (on the event loop, bounded) until `predicate` holds for the finished spans; returns them. */
export function waitForSpans(
  spans: () => ReadableSpan[],
  predicate: (spans: ReadableSpan[]) => boolean,
  timeoutMs = 20_000,
): Promise<ReadableSpan[]> {
  return waitFor(
    'the expected spans',
    () => {
      const current = spans();
      return predicate(current) ? current : undefined;
    },
    { timeoutMs, describe: () => `have: ${spans().map((s) => s.name).join(', ') || '(none)'}` },
  );
}

/**
 * Waits (bounded) until the app's pipeline has no span open. A request span ends on the response's close, which can
 * come just after the client got the response; only ended spans are exported, flushed or stored.
 */
export function waitForOpenSpansToEnd(tracing: TracingService, timeoutMs?: number): Promise<true> {
  return waitFor('every open span to end', () => ((tracing.health().spans?.open ?? 0) === 0 ? true : undefined), {
    timeoutMs,
    describe: () => `still open: ${tracing.health().spans?.open}`,
  });
}

/**
 * Flushes what the app's spans have recorded once every open span has ended (bounded): only ended spans are
 * exported or stored, and a request span ends on the response's close, which can come just after the client got
 * the response.
 */
export async function flushEndedSpans(tracing: TracingService): Promise<void> {
  await waitForOpenSpansToEnd(tracing);
  await tracing.forceFlush();
}

/** The one finished span named `name` (fails when there are none or several). */
export function spanNamed(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one span "${name}", found ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

/** The finished parent of `span`, if it was exported. */
export function parentOf(spans: ReadableSpan[], span: ReadableSpan): ReadableSpan | undefined {
  const parentId = span.parentSpanContext?.spanId;
  return parentId ? spans.find((s) => s.spanContext().spanId === parentId) : undefined;
}

/** Children of every span id, built once for a tree walked many times (thousands of spans). */
export type SpanIndex = ReadonlyMap<string, ReadableSpan[]>;

/** Indexes `spans` by parent span id. */
export function indexChildren(spans: readonly ReadableSpan[]): SpanIndex {
  const index = new Map<string, ReadableSpan[]>();
  for (const s of spans) {
    const parent = s.parentSpanContext?.spanId;
    if (!parent) continue;
    const siblings = index.get(parent);
    if (siblings) siblings.push(s);
    else index.set(parent, [s]);
  }
  return index;
}

/** Direct children of `span`. */
export function childrenOf(spans: ReadableSpan[], span: ReadableSpan): ReadableSpan[] {
  const id = span.spanContext().spanId;
  return spans.filter((s) => s.parentSpanContext?.spanId === id);
}

/** Every descendant of `span`, breadth first; pass an `index` of `spans` when walking many trees. */
export function descendantsOf(spans: ReadableSpan[], span: ReadableSpan, index: SpanIndex = indexChildren(spans)): ReadableSpan[] {
  const out: ReadableSpan[] = [];
  const queue = [span];
  while (queue.length > 0) {
    for (const child of index.get(queue.shift()!.spanContext().spanId) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}
