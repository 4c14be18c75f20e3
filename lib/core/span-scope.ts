import { createContextKey, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api';
import type { ProviderCall } from '../genai/provider-call.js';
import { OverlayContext } from './overlay-context.js';

/** What a library span is for; decides its OpenInference/Traceloop kind and whether it rolls cost up. */
export type SpanRole =
  | 'workflow'
  | 'node'
  | 'provider'
  | 'agent_task'
  | 'agent_step'
  | 'tool'
  | 'http'
  | 'websocket'
  | 'queue'
  | 'rpc'
  | 'event'
  | 'http_client'
  | 'manual';

/** Every role, in a fixed order. */
export const SPAN_ROLES: readonly SpanRole[] = ['workflow', 'node', 'provider', 'agent_task', 'agent_step', 'tool', 'http', 'websocket', 'queue', 'rpc', 'event', 'http_client', 'manual'];

/** Token counts of one provider call, in the OpenTelemetry GenAI convention (totals include cache/reasoning). */
export interface TokenUsage {
  /** All input tokens, including cache reads and cache writes. */
  inputTokens: number;
  /** All output tokens, including reasoning tokens. */
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache. */
  cacheReadTokens?: number;
  /** Input tokens written to the provider's prompt cache. */
  cacheWriteTokens?: number;
  /** Output tokens spent on reasoning/thinking. */
  reasoningTokens?: number;
  /** Input tokens that were audio (part of `inputTokens`; priced at the audio rate when the price has one). */
  audioInputTokens?: number;
  /** Output tokens that were audio (part of `outputTokens`). */
  audioOutputTokens?: number;
  /** Input tokens that were images (part of `inputTokens`; priced at the image rate when the price has one). */
  imageInputTokens?: number;
  /** Output tokens that were images (part of `outputTokens`). */
  imageOutputTokens?: number;
}

/** Cost and tokens summed over a span's subtree. */
export interface CostTotals {
  /** Everything: priced tokens and costs that are not tokens. */
  costUsd: number;
  /** The part of `costUsd` that is not tokens (`TracingService.recordCost`). */
  nonTokenUsd: number;
  inputTokens: number;
  outputTokens: number;
  llmCalls: number;
  unpricedCalls: number;
}

/** One provider call as it rolls up to the ancestors of its span. */
export interface LlmCallRecord {
  costUsd: number | undefined;
  inputTokens: number;
  outputTokens: number;
}

/** Who and what a piece of work is attributed to; carried in the context, stamped on every library span. */
export interface Attribution {
  userId?: string;
  sessionId?: string;
  tenantId?: string;
  workflowId?: string;
  workflowName?: string;
  jobId?: string;
}

/** Every field of an attribution, in a fixed order. */
export const ATTRIBUTION_FIELDS: ReadonlyArray<keyof Attribution> = ['userId', 'sessionId', 'tenantId', 'workflowId', 'workflowName', 'jobId'];

const SCOPE_KEY = createContextKey('ai_tracing:scope');
const ATTRIBUTION_KEY = createContextKey('ai_tracing:attribution');

/**
 * The library's bookkeeping for one live span: its role, its parent scope (captured at start, so
 * rollups stay correct under any concurrency) and the running cost totals of its subtree.
 */
export class SpanScope {
  readonly totals: CostTotals = { costUsd: 0, nonTokenUsd: 0, inputTokens: 0, outputTokens: 0, llmCalls: 0, unpricedCalls: 0 };
  /** The provider call this span traces (`@TraceProvider` spans only). */
  call: ProviderCall | undefined;
  /** USD of costs that are not tokens recorded on this span itself (`TracingService.recordCost`). */
  nonTokenUsd = 0;
  /** Workflow or agent this span belongs to, and the dotted path of its enclosing tasks (kept when a convention uses them). */
  groupName: string | undefined;
  entityPath: string | undefined;
  /** On a root library span: the name of the outermost workflow that ran in it, which names the trace. */
  traceName: string | undefined;
  /** This is the outermost workflow of its trace. */
  outermostWorkflow = false;
  /** Usage of a provider call, set by a reader, a stream chunk or `TracingService.recordUsage`. */
  usage: TokenUsage | undefined;
  /** Model the provider says answered. */
  responseModel: string | undefined;
  /** Set by `TracingService.recordUsage` so extraction from the result does not overwrite it. */
  usageRecordedByUser = false;
  /** `performance.now()` at start, for durations such as time to first chunk. */
  readonly startedAt = performance.now();
  firstChunkAt: number | undefined;
  chunkCount = 0;
  /** `error.type` recorded on the span, if it failed (for the duration metrics). */
  errorType: string | undefined;
  /** Given up before its end (`discardSpan`): not exported, no metric. */
  discarded = false;
  /** HTTP status code answered, for request scopes. */
  statusCode: number | undefined;
  /** Route template a request scope is named after, once known (it may be learnt after the span started). */
  route: string | undefined;
  /** What the HTTP layer recorded of the request a request scope traces (its arrival). */
  request: unknown;
  /** Agent name and task id of an agent task scope, inherited by its steps and tools. */
  agentName: string | undefined;
  taskId: string | undefined;

  constructor(
    readonly span: Span,
    readonly role: SpanRole,
    readonly parent: SpanScope | undefined,
    readonly attribution: Attribution,
  ) {}

  /**
   * A cost that is not tokens, recorded on this span: counted in this span's own totals and every ancestor's,
   * like token cost, so `cost.total_usd` says what the subtree cost.
   */
  addCost(usd: number): void {
    this.nonTokenUsd += usd;
    this.totals.costUsd += usd;
    this.totals.nonTokenUsd += usd;
    for (let scope = this.parent; scope; scope = scope.parent) {
      scope.totals.costUsd += usd;
      scope.totals.nonTokenUsd += usd;
    }
  }

  /** The outermost library scope above this one, or this one at the top (the trace's root as far as this process knows). */
  root(): SpanScope {
    return this.parent ? this.parent.root() : this;
  }

  /** Adds one provider call to every ancestor's totals. */
  rollUp(call: LlmCallRecord): void {
    for (let scope = this.parent; scope; scope = scope.parent) {
      const t = scope.totals;
      t.llmCalls += 1;
      t.inputTokens += call.inputTokens;
      t.outputTokens += call.outputTokens;
      if (call.costUsd === undefined) t.unpricedCalls += 1;
      else t.costUsd += call.costUsd;
    }
  }

  /** The nearest scope, this one included, with the given role. */
  closest(role: SpanRole): SpanScope | undefined {
    if (this.role === role) return this;
    for (let scope = this.parent; scope; scope = scope.parent) {
      if (scope.role === role) return scope;
    }
    return undefined;
  }
}

/** The library scope active in `ctx`, if any. */
export function getScope(ctx: Context): SpanScope | undefined {
  return ctx.getValue(SCOPE_KEY) as SpanScope | undefined;
}

/** `ctx` with `scope` as the active library scope. */
export function setScope(ctx: Context, scope: SpanScope): Context {
  return ctx.setValue(SCOPE_KEY, scope);
}

/** The key `trace.setSpan` uses (`createContextKey` is `Symbol.for`, shared by every copy of the API). */
const SPAN_KEY = createContextKey('OpenTelemetry Context Key SPAN');

/** Checked once: if a future API stored the span elsewhere, `spanScopeContext` falls back to two `setValue`s. */
const overlayWorks = (() => {
  const probe = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  return trace.getSpan(new OverlayContext(ROOT_CONTEXT, SPAN_KEY, probe, SCOPE_KEY, undefined)) === probe;
})();

/** `parent` with `span` active and `scope` as the library scope, built in one step (see `OverlayContext`). */
export function spanScopeContext(parent: Context, span: Span, scope: SpanScope): Context {
  return overlayWorks ? new OverlayContext(parent, SPAN_KEY, span, SCOPE_KEY, scope) : setScope(trace.setSpan(parent, span), scope);
}

/** The attribution active in `ctx` (empty object when none). */
export function getAttribution(ctx: Context): Attribution {
  return (ctx.getValue(ATTRIBUTION_KEY) as Attribution | undefined) ?? NO_ATTRIBUTION;
}

/** `ctx` with `attribution` as it is (an object that reads its fields when asked, for one). */
export function setAttribution(ctx: Context, attribution: Attribution): Context {
  return ctx.setValue(ATTRIBUTION_KEY, attribution);
}

/** `ctx` with `attribution` merged over the attribution already there; undefined fields do not erase. */
export function mergeAttribution(ctx: Context, attribution: Attribution): Context {
  // Field by field, not spread: the attribution there may read its fields when asked (an HTTP request's).
  const current = getAttribution(ctx);
  const merged: Attribution = {};
  for (const key of ATTRIBUTION_FIELDS) {
    const value = current[key];
    if (value !== undefined) merged[key] = value;
  }
  // Own keys without the entry arrays of `Object.entries`: this runs for every workflow and agent task.
  for (const key of Object.keys(attribution) as Array<keyof Attribution>) {
    const value: unknown = attribution[key];
    if (value !== undefined && value !== null && value !== '') merged[key] = String(value);
  }
  return ctx.setValue(ATTRIBUTION_KEY, merged);
}

/** The attribution of a context that has none (one shared frozen object, so it can be recognised cheaply). */
export const NO_ATTRIBUTION: Attribution = Object.freeze({});
