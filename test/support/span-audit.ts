import type { Context } from '@opentelemetry/api';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createTracedApp, type TracedApp, type TracedAppOptions } from './tracing-harness.js';
import { waitFor } from './waits.js';

/**
 * Watches every span of a provider: which started, which ended. The SDK silently ignores a second `end()`
 * (it only logs through `diag`), so double ends and writes to ended spans are caught from the diag log.
 */
export class SpanAudit implements SpanProcessor {
  private readonly started = new Map<string, string>();
  private readonly ended = new Set<string>();
  /** diag messages about misuse of ended spans. */
  readonly misuse: string[] = [];

  onStart(span: Span, _parent: Context): void {
    this.started.set(span.spanContext().spanId, span.name);
  }

  onEnd(span: ReadableSpan): void {
    this.ended.add(span.spanContext().spanId);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** Names of spans started and not ended yet. */
  open(): string[] {
    return [...this.started].filter(([id]) => !this.ended.has(id)).map(([, name]) => name);
  }

  /** Number of spans started so far. */
  get startedCount(): number {
    return this.started.size;
  }

  /** Records diag errors/warnings that reveal a span ended twice or written after its end. */
  listen(): () => void {
    const keep = (message: string) => {
      if (/only call end\(\) on a span once|operation on ended Span/i.test(message)) this.misuse.push(message);
    };
    diag.setLogger(
      { error: keep, warn: keep, info: () => undefined, debug: () => undefined, verbose: () => undefined },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    return () => diag.disable();
  }
}

/** How long the audit waits for spans still open at a test's end (a response's close, a last export hop). */
const SETTLE_MS = 2_000;

/** A traced Nest app whose tracer provider is audited: every span's start and end are seen. */
export interface AuditedApp extends TracedApp {
  audit: SpanAudit;
  /**
   * Asserts that every started span ended exactly once and nothing wrote to an ended span. A span still open is
   * given a bounded moment to end first: a request span ends on the response's close, which can come just after the
   * client got the response.
   */
  assertAllEndedOnce(): Promise<void>;
  /** The teardown of an audited app: `assertAllEndedOnce()`, then `close()` whatever the assertion said. */
  auditAndClose(): Promise<void>;
}

/** Options of `createAuditedApp`: the harness's, plus span processors to add to the audited provider. */
export type AuditedAppOptions = TracedAppOptions & { processors?: SpanProcessor[] };

/**
 * `createTracedApp` over an audited provider (in-memory exporter + `SpanAudit` + `processors`), passed as the
 * app's own `tracerProvider`. Closing it (idempotent) closes the app, then shuts the provider down.
 */
export async function createAuditedApp(options: AuditedAppOptions = {}): Promise<AuditedApp> {
  const audit = new SpanAudit();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [audit, new SimpleSpanProcessor(exporter), ...(options.processors ?? [])],
  });
  const stopListening = audit.listen();
  let traced: TracedApp;
  try {
    traced = await createTracedApp({
      listen: false,
      ...options,
      tracing: { ...options.tracing, exporter: 'none', tracerProvider: provider },
    });
  } catch (error) {
    stopListening();
    throw error;
  }
  let closing: Promise<void> | undefined;
  const closeAll = async () => {
    try {
      await traced.close();
      await provider.shutdown();
    } finally {
      stopListening();
    }
  };
  const assertAllEndedOnce = async () => {
    await waitFor('every span to end', () => (audit.open().length === 0 ? true : undefined), { timeoutMs: SETTLE_MS }).catch(() => undefined);
    const open = audit.open();
    if (open.length > 0) throw new Error(`spans never ended (${SETTLE_MS} ms after the test): ${open.join(', ')}`);
    if (audit.misuse.length > 0) throw new Error(`span misuse: ${audit.misuse.join(' | ')}`);
  };
  const close = () => (closing ??= closeAll());
  return {
    ...traced,
    audit,
    spans: () => exporter.getFinishedSpans(),
    assertAllEndedOnce,
    close,
    async auditAndClose() {
      try {
        await assertAllEndedOnce();
      } finally {
        await close();
      }
    },
  };
}
