import { Inject, Injectable } from '@nestjs/common';
import { context, INVALID_SPAN_CONTEXT, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { getRuntime } from './core/runtime.js';
import { reportOnce } from './core/safe-execute.js';
import { runInSpan } from './core/span-engine.js';
import { getScope, mergeAttribution, type Attribution, type TokenUsage } from './core/span-scope.js';
import { healthSnapshot, type StoreHealthSource, type TracingHealth } from './health/tracing-health.js';
import { extractContext, injectContext, type ContextCarrier } from './propagation/context-carrier.js';
import type { NonTokenCost } from './cost/cost.types.js';
import { addEvaluationEvent } from './evaluation/evaluation-event.js';
import type { ScoreOptions } from './evaluation/evaluation.types.js';
import { tracedFetch, type FetchFunction } from './fetch/traced-fetch.js';
import { CostAttributes, CostEvents } from './semconv.js';
import { invalidCost } from './tracing.messages.js';
import type { TracingSdk } from './sdk/tracing-sdk.js';
import { TRACE_STORE, TRACING_SDK } from './tracing.constants.js';

/** Options of `TracingService.withSpan`. */
export interface WithSpanOptions {
  /** @default SpanKind.INTERNAL */
  kind?: SpanKind;
  /** Attributes set at start. */
  attributes?: Attributes;
}

/**
 * Manual tracing, log correlation, attribution and the in-memory spans. Injectable anywhere once
 * `TracingModule` is imported (the module is global).
 */
@Injectable()
export class TracingService {
  constructor(
    @Inject(TRACING_SDK) private readonly sdk: TracingSdk,
    @Inject(TRACE_STORE) private readonly store: StoreHealthSource | null,
  ) {}

  /** Trace id of the active span (for log correlation), or undefined outside any span. */
  traceId(): string | undefined {
    const ctx = trace.getActiveSpan()?.spanContext();
    return ctx && ctx.traceId !== INVALID_SPAN_CONTEXT.traceId ? ctx.traceId : undefined;
  }

  /** Span id of the active span, or undefined outside any span. */
  spanId(): string | undefined {
    const ctx = trace.getActiveSpan()?.spanContext();
    return ctx && ctx.spanId !== INVALID_SPAN_CONTEXT.spanId ? ctx.spanId : undefined;
  }

  /**
   * Runs `fn` in a new span, ended when `fn` returns, throws, or its Promise/Observable/stream finishes.
   * Errors are recorded and rethrown unchanged.
   * @example
   * await tracing.withSpan('load documents', async (span) => { span.setAttribute('docs', 3); return load(); });
   */
  withSpan<T>(name: string, fn: (span: Span) => T, options: WithSpanOptions = {}): T {
    return runInSpan({ name, role: 'manual', kind: options.kind, attributes: options.attributes }, () =>
      fn(trace.getActiveSpan() ?? trace.wrapSpanContext(INVALID_SPAN_CONTEXT)),
    );
  }

  /**
   * Runs `fn` with user/session/tenant/workflow/job attribution: every library span created inside carries
   * it (`user.id`, `session.id`, `tenant.id`, `workflow.id`, `workflow.job_id`) and cost reports use it.
   */
  withAttribution<T>(attribution: Attribution, fn: () => T): T {
    return context.with(mergeAttribution(context.active(), attribution), fn);
  }

  /**
   * Writes the active trace context and attribution into `carrier` (and returns it), for work that leaves the
   * process by a path the library does not instrument: worker threads, custom queues, webhooks, cron hand-offs.
   * The trace context goes through the global propagator (`traceparent`/`tracestate`, baggage; B3 or Jaeger when
   * registered), the attribution under the `ai-tracing-attribution` key (unless `propagation.attribution` is
   * `accept` or `none`). `carrier` is a plain object of strings or a header collection with `set` (`Headers`,
   * `Map`, NATS headers). Writes nothing while tracing is disabled.
   * @example
   * worker.postMessage({ task, trace: tracing.inject({}) });
   */
  inject<T extends ContextCarrier>(carrier: T = {} as T): T {
    injectContext(carrier);
    return carrier;
  }

  /**
   * Runs `fn` in the context `carrier` carries (see `inject`): spans created inside join the sender's trace and
   * carry its attribution (unless `propagation.attribution` is `send` or `none`). A missing, malformed or forged
   * carrier starts a new trace with no attribution; it never throws. Returns what `fn` returns. While tracing is
   * disabled, `fn` just runs.
   * @example
   * parentPort.on('message', (msg) => tracing.extract(msg.trace, () => this.workflow.run(msg.task)));
   */
  extract<T>(carrier: unknown, fn: () => T): T {
    if (!getRuntime().enabled) return fn();
    return context.with(extractContext(carrier), fn);
  }

  /** Sets attributes on the active span (no-op outside a span). */
  setAttributes(attributes: Attributes): void {
    trace.getActiveSpan()?.setAttributes(attributes);
  }

  /** Adds an event to the active span (no-op outside a span). */
  addEvent(name: string, attributes?: Attributes): void {
    trace.getActiveSpan()?.addEvent(name, attributes);
  }

  /**
   * Records token usage for the enclosing `@TraceProvider` call, for code that learns usage inside the method
   * (e.g. from a callback). Wins over usage read from the result. Returns false outside a provider span.
   */
  recordUsage(usage: TokenUsage, responseModel?: string): boolean {
    const scope = getScope(context.active())?.closest('provider');
    if (!scope) return false;
    scope.usage = usage;
    scope.usageRecordedByUser = true;
    if (responseModel) scope.responseModel = responseModel;
    return true;
  }

  /**
   * The tracing pipeline's health: spans started and ended, and per exporter what was exported, dropped at a
   * full queue, lost in failed exports, still queued or being exported, the last error and when; the trace
   * store's writes and drops. `degraded` while an exporter's exports fail or the store is unavailable.
   * Cheap (counters only): fine for a health endpoint.
   * @example
   * const { status, exporters } = tracing.health();
   */
  health(): TracingHealth {
    return healthSnapshot(this.sdk.origin, this.sdk.pipeline, this.store);
  }

  /**
   * Records a cost that is not tokens (image generation, audio seconds, a paid search or tool API) on the active
   * library span: a `cost.recorded` event, `cost.non_token_usd` on the span, and the rollup into `cost.total_usd`
   * of it and every span above it, exactly like token cost; `CostService` reports it under `kind`. Bad input is
   * ignored with a warning (never a throw in the request). Returns false outside any library span (the cost
   * still reaches the report), for bad input, and with cost tracking off (nothing is recorded then).
   * @example
   * tracing.recordCost({ usd: 0.04, kind: 'image', description: 'gpt-image-1 1024x1024' });
   */
  recordCost(cost: NonTokenCost): boolean {
    const usd = cost?.usd;
    const kind = cost?.kind;
    if (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0 || typeof kind !== 'string' || !/^[a-z0-9_.-]{1,64}$/.test(kind)) {
      reportOnce('TracingService.recordCost', new TypeError(invalidCost(cost)));
      return false;
    }
    const scope = getScope(context.active());
    // Reported first: with cost tracking off (or no TracingModule) nothing is recorded, on the span either.
    if (!getRuntime().recorder?.recordNonTokenCost?.(scope, usd, kind) || !scope) return false;
    const attributes: Attributes = { [CostAttributes.USD]: usd, [CostAttributes.KIND]: kind };
    if (typeof cost.description === 'string' && cost.description !== '') attributes[CostAttributes.DESCRIPTION] = cost.description.slice(0, 256);
    scope.span.addEvent(CostEvents.COST_RECORDED, attributes);
    scope.addCost(usd);
    return true;
  }

  /**
   * Records a score of the active library span (a provider call, a node, a workflow...) as a
   * `gen_ai.evaluation.result` event: `value` numeric, or a `label`, with an optional explanation. On a provider
   * span it also carries the response id. Returns false outside a library span or without a value or label.
   * @example
   * tracing.score('helpfulness', 0.9, { label: 'helpful', explanation: 'answers the question asked' });
   */
  score(name: string, value: number | undefined, options: ScoreOptions = {}): boolean {
    const scope = getScope(context.active());
    if (!scope) return false;
    return addEvaluationEvent(scope, { name, value, label: options?.label, explanation: options?.explanation });
  }

  /**
   * A `fetch` to give the LLM SDKs (`new OpenAI({ fetch: tracing.fetch })`, `new Anthropic({ fetch })`, any
   * fetch-based client): one CLIENT span per HTTP attempt, under the provider span, with retries, rate-limit
   * headers and the provider's error code. The same as the standalone `tracedFetch` export.
   */
  get fetch(): FetchFunction {
    return tracedFetch;
  }

  /** Exports all finished spans now (bounded by `shutdownTimeoutMillis`). */
  forceFlush(): Promise<void> {
    return this.sdk.forceFlush();
  }

  /** Finished spans held by the in-memory exporter (`exporter: 'memory'`), still readable after `app.close()`; empty otherwise. */
  getFinishedSpans(): ReadableSpan[] {
    return this.sdk.getFinishedSpans();
  }

  /** Clears the in-memory exporter. */
  resetFinishedSpans(): void {
    this.sdk.resetFinishedSpans();
  }
}
