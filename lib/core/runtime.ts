import { trace, type Attributes, type Span, type SpanKind, type TimeInput, type Tracer } from '@opentelemetry/api';
import type { AttributeBatch } from '../genai/conventions/attribute-batch.js';
import { conventionSet, type ConventionSet } from '../genai/conventions/convention-set.js';
import { LIBRARY_NAME, LIBRARY_VERSION } from '../tracing.constants.js';
import type { SpanOutcome } from './span-lifecycle.js';
import type { SpanRole, SpanScope } from './span-scope.js';

/** What a provider call looked like, as known when its span ends. */
export interface ProviderCallInfo {
  provider: string;
  operation: string;
  requestModel: string | undefined;
  stream: boolean;
  /** Wall time of the call in milliseconds. */
  durationMs: number;
}

/**
 * Turns a finished provider call into telemetry: usage attributes, price, cost attributes, rollup to the
 * ancestors, report and metrics. Implemented in `cost/`; the engine only calls it.
 */
export interface ProviderCallRecorder {
  /** Writes the usage and cost attributes into `out` when given (the caller sets them), else onto the span. */
  record(scope: SpanScope, call: ProviderCallInfo, out?: AttributeBatch): void;
  /** A workflow span ended; its scope's totals hold the run's rolled-up cost (feeds forecasts). */
  recordWorkflowRun?(workflowName: string, scope: SpanScope): void;
  /** A cost that is not tokens, recorded on `scope` (report and metrics; the rollup is the scope's); false when cost tracking is off. */
  recordNonTokenCost?(scope: SpanScope | undefined, usd: number, kind: string): boolean;
}

/**
 * Runs the configured evaluators on spans after they end, off the request path. Implemented in `evaluation/`;
 * the engine hands over the ended span and lets it finish the span once the evaluations are recorded.
 */
export interface SpanEvaluations {
  /** Whether some evaluator looks at spans of `role` (the engine then keeps what they need, e.g. streamed output). */
  wants(role: SpanRole): boolean;
  /**
   * `scope`'s span ended with `outcome`; `finish` ends it (at its real end time) and must be called exactly once,
   * after the evaluations' results were added or at once when none runs.
   */
  evaluate(scope: SpanScope, outcome: SpanOutcome, finish: () => void): void;
}

/** Records the duration of a finished library span (implemented in `metrics/`). */
export interface SpanMetricsRecorder {
  record(spec: SpanSpecLike, scope: SpanScope, outcome: 'ok' | 'error' | 'cancelled', endTime: number | undefined): void;
}

/** The parts of a `SpanSpec` the metrics read (kept structural so `runtime` does not import the engine). */
export interface SpanSpecLike {
  role: SpanScope['role'];
  kind?: SpanKind;
  attributes?: Attributes;
  startTime?: TimeInput;
}

/** Settings the span engine reads on every traced call; installed by `TracingModule` at bootstrap. */
export interface TracingRuntime {
  enabled: boolean;
  tracer: Tracer;
  captureContent: boolean;
  maxContentLength: number;
  isSecretKey: (key: string) => boolean;
  recorder: ProviderCallRecorder | undefined;
  /** Duration histograms of workflows, agent tasks, tools and HTTP/WebSocket handlers. */
  metrics?: SpanMetricsRecorder;
  /** Backend conventions in force. @default the default set */
  conventions?: ConventionSet;
  /** Evaluators run after spans end, when configured. */
  evaluations?: SpanEvaluations;
  /**
   * Receives every library span once ended. Set only when the module reuses a provider it cannot add span
   * processors to (OpenTelemetry 2.x providers are immutable), so the trace store still gets the library's spans.
   */
  spanSink?: (span: Span) => void;
  /** `websocket.enabled`/`ignoreEvents`, for helpers outside the interceptor (`traceEmit`); all traced when unset. */
  websocket?: { enabled: boolean; ignoreEvents: ReadonlyArray<string | RegExp> };
  /** Whether carriers (jobs, messages, `TracingService.inject`/`extract`) send and accept the attribution; both when unset. */
  propagation?: { sendAttribution: boolean; acceptAttribution: boolean };
  /** `microservices.enabled`: the `ClientProxy` instrumentation records only while a module that enabled it is live. */
  microservices?: { enabled: boolean };
}

function defaultRuntime(): TracingRuntime {
  return {
    enabled: true,
    // The global API tracer: works for decorated classes used without TracingModule when the app
    // registered its own provider (e.g. NodeSDK), and is a cheap no-op otherwise.
    tracer: trace.getTracer(LIBRARY_NAME, LIBRARY_VERSION),
    captureContent: false,
    maxContentLength: 4096,
    isSecretKey: () => false,
    recorder: undefined,
    conventions: conventionSet(),
  };
}

/** The conventions of the runtime in force (the default set when it names none). */
export function conventionsInForce(runtime: TracingRuntime = current): ConventionSet {
  return runtime.conventions ?? DEFAULTS;
}

const DEFAULTS = conventionSet();

let current: TracingRuntime = defaultRuntime();
/** Runtimes of the apps alive in this process, oldest first; the newest is `current`. */
const installed: TracingRuntime[] = [];

/**
 * The runtime the engine uses right now. Decorators are static, so the runtime is process-wide: with several
 * Nest apps in one process (tests), the most recently initialised `TracingModule` wins until it closes, and
 * then the previous live one is used again.
 */
export function getRuntime(): TracingRuntime {
  return current;
}

/** Installs `runtime`; returns a function that uninstalls it (the newest remaining one, or the default, takes over). */
export function installRuntime(runtime: TracingRuntime): () => void {
  installed.push(runtime);
  current = runtime;
  return () => {
    const index = installed.indexOf(runtime);
    if (index >= 0) installed.splice(index, 1);
    current = installed.at(-1) ?? defaultRuntime();
  };
}
