import { context, SpanKind, SpanStatusCode, type Attributes, type Context, type TimeInput } from '@opentelemetry/api';
import { extendsEntityPath } from '../genai/conventions/traceloop.convention.js';
import { AttributeBatch } from '../genai/conventions/attribute-batch.js';
import type { ConventionSet } from '../genai/conventions/convention-set.js';
import type { ProviderCall } from '../genai/provider-call.js';
import { CostAttributes, HttpAttributes, OpenInferenceAttributes } from '../semconv.js';
import { addAttributionAttributes } from './attribution-attributes.js';
import { conventionsInForce, getRuntime } from './runtime.js';
import { reportOnce, safeExecute } from './safe-execute.js';
import { safeStringify } from './serialize.js';
import { discard } from './discarded-spans.js';
import { describeThrown, type ThrownValue } from './thrown-value.js';
import { getAttribution, getScope, mergeAttribution, NO_ATTRIBUTION, SpanScope, spanScopeContext, type Attribution, type SpanRole } from './span-scope.js';

/**
 * How a traced call ended. `cancelled`: an Observable unsubscribed, a stream consumer stopped early, the call
 * threw an `AbortError`, or a returned stream/Observable was dropped before it finished.
 */
export type SpanOutcome = 'ok' | 'error' | 'cancelled';

/** What to record for one traced call. Decorators and interceptors describe; the engine does. */
export interface SpanSpec {
  name: string;
  role: SpanRole;
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context; the active context when omitted. */
  parent?: Context;
  /** When the work began, if before the span is opened (an HTTP request arrives before Nest routes it); now when omitted. */
  startTime?: TimeInput;
  /** Attribution merged into the context for this span and everything under it. */
  attribution?: Attribution;
  /**
   * What to record as `input.value` when content capture is on (the arguments, the request): serialized only
   * then. A value rather than a function, so describing a call builds no closure.
   */
  input?: unknown;
  /** The provider call a `@TraceProvider` span traces: on the span's scope before the traced function runs. */
  call?: ProviderCall;
  /** What the span runs (workflow name, node type, agent or tool name), for conventions that group by it. */
  entityName?: string;
  /** Tags of the span (and of its trace, for backends that tag traces). */
  tags?: readonly string[];
  /** Per-call override of `captureContent`. */
  captureContent?: boolean;
  /** The span started; runs before the traced function. */
  onStart?: (scope: SpanScope) => void;
  /** The call returned (sync value, resolved Promise); not called for streams and Observables. */
  onResult?: (scope: SpanScope, value: unknown) => void;
  /** One item of a stream or Observable. */
  onChunk?: (scope: SpanScope, chunk: unknown) => void;
  /** Replaces the default error recording (e.g. 4xx on a server span are not errors). */
  onError?: (scope: SpanScope, error: unknown) => void;
  /** Just before the span ends, whatever the outcome. */
  onEnd?: (scope: SpanScope, outcome: SpanOutcome) => void;
  /**
   * Once the outcome is known, the span also waits for this to settle before `onEnd` and its end (e.g. an HTTP
   * span ends when the response has been sent, after exception filters and streamed bodies).
   */
  endAfter?: () => PromiseLike<unknown>;
}

/** A started span with the context that carries it. */
export interface LiveSpan {
  scope: SpanScope;
  ctx: Context;
  parentCtx: Context;
  ended: boolean;
  /** `performance.now()` of the last sign of life (start, chunk); the end time of an abandoned result. */
  lastActivity: number;
  /** Registered to end when its result is garbage-collected (only streams, Observables, SDK promises). */
  watched?: boolean;
}

/**
 * Starts a span for `spec` under its parent and builds the context that carries it. The parent is `spec.parent`,
 * else `active` (the active context, when the caller has read it already), else the active context.
 */
export function openSpan(spec: SpanSpec, active?: Context): LiveSpan {
  const runtime = getRuntime();
  const conventions = conventionsInForce(runtime);
  const base = spec.parent ?? active ?? context.active();
  const parentCtx = spec.attribution ? mergeAttribution(base, spec.attribution) : base;
  const attribution = getAttribution(parentCtx);
  const parent = getScope(parentCtx);
  // Built in one object without intermediate copies: this runs for every traced call.
  const attributes: Attributes = Object.assign({}, conventions.roleAttributes(spec.role));
  if (attribution !== NO_ATTRIBUTION) addAttributionAttributes(attributes, attribution);
  const outermostWorkflow = spec.role === 'workflow' && !parent?.closest('workflow');
  const placed = conventions.placesEverySpan;
  let groupName: string | undefined;
  let entityPath: string | undefined;
  if (placed || outermostWorkflow || spec.tags !== undefined) {
    if (placed) {
      groupName = spec.role === 'workflow' || spec.role === 'agent_task' ? spec.entityName : parent?.groupName;
      entityPath = parent?.entityPath;
    }
    conventions.spanStart(attributes, { role: spec.role, attribution, entityName: spec.entityName, groupName, entityPath, tags: spec.tags, outermostWorkflow });
  }
  const own = spec.attributes;
  if (own) for (const key of Object.keys(own)) attributes[key] = own[key];
  const span = runtime.tracer.startSpan(spec.name, { kind: spec.kind ?? SpanKind.INTERNAL, attributes, startTime: spec.startTime }, parentCtx);
  const scope = new SpanScope(span, spec.role, parent, attribution);
  if (placed) {
    scope.groupName = groupName;
    scope.entityPath = extendsEntityPath(spec.role) && spec.entityName !== undefined ? (entityPath ? `${entityPath}.${spec.entityName}` : spec.entityName) : entityPath;
  }
  if (outermostWorkflow) {
    scope.outermostWorkflow = true;
    // The trace is named after its outermost workflow: the root span writes it at its end.
    if (parent) parent.root().traceName ??= spec.entityName;
  }
  if (spec.call) scope.call = spec.call;
  if (spec.onStart) runHook('start hook', spec, spec.onStart, scope, undefined);
  if (spec.input !== undefined && captures(spec)) {
    const input = spec.input;
    safeExecute('content capture (input)', () => recordContent(scope, conventions, 'input', stringify(input)));
  }
  const ctx = spanScopeContext(parentCtx, span, scope);
  return { scope, ctx, parentCtx, ended: false, lastActivity: scope.startedAt };
}

/** `input.value`/`output.value` (JSON) and whatever the conventions record of it. */
export function recordContent(scope: SpanScope, conventions: ConventionSet, kind: 'input' | 'output', json: string): void {
  const span = scope.span;
  if (kind === 'input') {
    span.setAttribute(OpenInferenceAttributes.INPUT_VALUE, json);
    span.setAttribute(OpenInferenceAttributes.INPUT_MIME_TYPE, 'application/json');
  } else {
    span.setAttribute(OpenInferenceAttributes.OUTPUT_VALUE, json);
    span.setAttribute(OpenInferenceAttributes.OUTPUT_MIME_TYPE, 'application/json');
  }
  if (!conventions.recordsContent) return;
  const out = new AttributeBatch();
  conventions.content(out, scope, kind, json, scope.outermostWorkflow);
  out.applyTo(span);
}

/** `openSpan` that never throws: undefined when the tracer or a processor failed (reported once). */
export function tryOpenSpan(spec: SpanSpec, active?: Context): LiveSpan | undefined {
  // try/catch rather than `guarded`: no closure on every traced call.
  try {
    return openSpan(spec, active);
  } catch (error) {
    reportFailure('start', spec, error);
    return undefined;
  }
}

/** Records the result, writes rollups and ends the span with outcome `ok`. */
export function succeed(spec: SpanSpec, live: LiveSpan, value: unknown): void {
  if (live.ended) return;
  if (spec.onResult) runHook('result reader', spec, spec.onResult, live.scope, value);
  if (value !== undefined && captures(spec)) {
    safeExecute('content capture (output)', () => recordContent(live.scope, conventionsInForce(), 'output', stringify(value)));
  }
  end(spec, live, 'ok');
}

/** Records `error` on the span (or lets `spec.onError` decide) and ends it with outcome `error`. */
export function fail(spec: SpanSpec, live: LiveSpan, error: unknown): void {
  if (live.ended) return;
  const thrown = describeThrown(error);
  if (thrown.aborted) {
    // An aborted call (AbortSignal) was cancelled on purpose: recorded as an event, not as a failure.
    cancelEvent(live, thrown.message);
    end(spec, live, 'cancelled');
    return;
  }
  if (spec.onError) {
    runHook('error reader', spec, spec.onError, live.scope, error);
  } else {
    markError(live.scope, error, thrown);
  }
  end(spec, live, 'error');
}

/** One item of a stream or Observable. */
export function chunk(spec: SpanSpec, live: LiveSpan, item: unknown): void {
  const scope = live.scope;
  live.lastActivity = performance.now();
  scope.chunkCount += 1;
  if (scope.firstChunkAt === undefined) scope.firstChunkAt = live.lastActivity;
  if (spec.onChunk) runHook('chunk reader', spec, spec.onChunk, scope, item);
}

/** Runs `onEnd`, writes the rolled-up cost and ends the span, once; `endTime` as `performance.now()`. */
export function end(spec: SpanSpec, live: LiveSpan, outcome: SpanOutcome, endTime?: number): void {
  if (live.ended) return;
  live.ended = true;
  if (live.watched) claim(live);
  const endAfter = spec.endAfter;
  if (endAfter && endLater(spec, live, outcome, endAfter)) return;
  close(spec, live, outcome, endTime);
}

/** Closes the span once `endAfter()` settles; false (close now) when it throws or gives nothing to wait for. */
function endLater(spec: SpanSpec, live: LiveSpan, outcome: SpanOutcome, endAfter: () => PromiseLike<unknown>): boolean {
  const waitFor = guarded('end condition', spec, () => endAfter());
  if (!waitFor) return false;
  const finish = () => close(spec, live, outcome);
  return guarded('end condition', spec, () => (waitFor.then(finish, finish), true)) ?? false;
}

function close(spec: SpanSpec, live: LiveSpan, outcome: SpanOutcome, endTime?: number): void {
  const { scope } = live;
  if (spec.onEnd) runHook('end hook', spec, spec.onEnd, scope, outcome);
  const t = scope.totals;
  if ((t.llmCalls > 0 || t.nonTokenUsd > 0) && scope.role !== 'provider') {
    safeExecute('cost rollup attributes', () => scope.span.setAttributes(rollupAttributes(scope)));
  }
  if (scope.traceName !== undefined && !scope.parent) {
    const traceName = scope.traceName;
    safeExecute('trace name', () => {
      const out = new AttributeBatch();
      conventionsInForce().rootEnd(out, traceName);
      out.applyTo(scope.span);
    });
  }
  const evaluations = getRuntime().evaluations;
  if (evaluations?.wants(scope.role)) {
    // Evaluators see the ended span and add their results to it; it is exported (at its real end time) after.
    const endAt = endTime ?? performance.now();
    const finish = () => finishSpan(spec, scope, outcome, endAt);
    if (safeExecute('evaluation scheduling', () => (evaluations.evaluate(scope, outcome, finish), true))) return;
    finish();
    return;
  }
  finishSpan(spec, scope, outcome, endTime);
}

function rollupAttributes(scope: SpanScope): Attributes {
  const t = scope.totals;
  const out: Attributes = {
    [CostAttributes.TOTAL_USD]: t.costUsd,
    [CostAttributes.INPUT_TOKENS]: t.inputTokens,
    [CostAttributes.OUTPUT_TOKENS]: t.outputTokens,
    [CostAttributes.LLM_CALLS]: t.llmCalls,
    [CostAttributes.UNPRICED_CALLS]: t.unpricedCalls,
  };
  if (t.nonTokenUsd > 0) out[CostAttributes.TOTAL_NON_TOKEN_USD] = t.nonTokenUsd;
  if (scope.nonTokenUsd > 0) out[CostAttributes.NON_TOKEN_USD] = scope.nonTokenUsd;
  return out;
}

/**
 * Ends the span, records its duration metric and hands it to the span sink (when the module reuses a provider it
 * cannot add processors to).
 */
function finishSpan(spec: SpanSpec, scope: SpanScope, outcome: SpanOutcome, endTime: number | undefined): void {
  // A throwing span processor must not turn the user's successful call into a failure. (No closures here:
  // this runs for every span.)
  try {
    scope.span.end(endTime);
  } catch (error) {
    reportOnce('span end', error);
  }
  if (scope.discarded) return;
  const runtime = getRuntime();
  const metrics = runtime.metrics;
  if (metrics !== undefined) {
    // No closure here: this runs for every span.
    try {
      metrics.record(spec, scope, outcome, endTime);
    } catch (error) {
      reportOnce('duration metric', error);
    }
  }
  const sink = runtime.spanSink;
  if (sink) safeExecute('span sink', () => sink(scope.span));
}

const ABANDONED_REASON = 'the returned stream or Observable was released before it finished';

/**
 * Ends spans whose result (a stream, an Observable, an SDK promise) was garbage-collected unfinished: never
 * subscribed, never or only partly read. They end `cancelled` at their last sign of life instead of staying open
 * forever (never exported, their cost never recorded).
 */
const abandoned = new FinalizationRegistry<{ spec: SpanSpec; live: LiveSpan }>(({ spec, live }) => {
  if (live.ended) return;
  cancelEvent(live, ABANDONED_REASON, live.lastActivity);
  end(spec, live, 'cancelled', live.lastActivity);
});

/** Ends `live` as cancelled if `holder` (what the caller got back) is garbage-collected before the span ends. */
export function endWhenAbandoned(holder: object, spec: SpanSpec, live: LiveSpan): void {
  if (live.ended) return;
  live.lastActivity = performance.now();
  abandoned.register(holder, { spec, live }, live);
  live.watched = true;
}

/** The span's lifecycle is now owned by a subscriber/consumer: dropping the returned object no longer ends it. */
export function claim(live: LiveSpan): void {
  if (!live.watched) return;
  live.watched = false;
  abandoned.unregister(live);
}

function cancelEvent(live: LiveSpan, reason: string, time?: number): void {
  safeExecute('cancellation recording', () => live.scope.span.addEvent('cancelled', { reason }, time));
}

/**
 * Gives up the span of `scope`: it still ends, but is not exported, records no duration metric and reaches no
 * span sink. For a span opened before it was known that it should not exist (see `discard`).
 */
export function discardSpan(scope: SpanScope): void {
  scope.discarded = true;
  safeExecute('span discard', () => discard(scope.span));
}

/** Exception event, ERROR status and `error.type`, for any thrown value (read once, never rethrown differently). */
export function markError(scope: SpanScope, error: unknown, thrown: ThrownValue = describeThrown(error)): void {
  scope.errorType = thrown.type;
  safeExecute('error recording', () => {
    const span = scope.span;
    span.setStatus({ code: SpanStatusCode.ERROR, message: thrown.message });
    span.setAttribute(HttpAttributes.ERROR_TYPE, thrown.type);
    span.recordException(thrown.exception);
  });
}

function captures(spec: SpanSpec): boolean {
  return spec.captureContent ?? getRuntime().captureContent;
}

function stringify(value: unknown): string {
  const runtime = getRuntime();
  return safeStringify(value, runtime.maxContentLength, runtime.isSecretKey);
}

/**
 * `safeExecute` for the engine's per-call hooks: the label naming the span is built only when something
 * throws, not on every traced call.
 */
function guarded<T>(what: string, spec: SpanSpec, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    reportFailure(what, spec, error);
    return undefined;
  }
}

/** Runs one of the spec's hooks, contained like `guarded` but without a closure (hooks run on every call or chunk). */
function runHook<A>(what: string, spec: SpanSpec, hook: (scope: SpanScope, arg: A) => void, scope: SpanScope, arg: A): void {
  try {
    hook(scope, arg);
  } catch (error) {
    reportFailure(what, spec, error);
  }
}

function reportFailure(what: string, spec: SpanSpec, error: unknown): void {
  reportOnce(`${what} of span "${spec.name}"`, error);
}
