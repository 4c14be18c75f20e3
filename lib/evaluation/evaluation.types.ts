import type { Attributes } from '@opentelemetry/api';
import type { SpanOutcome } from '../core/span-lifecycle.js';
import type { SpanRole } from '../core/span-scope.js';
import type { ChatMessage, MessagePart, OutputMessage } from '../genai/provider-call.js';

/** Options of `TracingService.score`. */
export interface ScoreOptions {
  /** A category for the result (`relevant`, `pass`, `hallucinated`); `gen_ai.evaluation.score.label`. */
  label?: string;
  /** Why (`gen_ai.evaluation.explanation`). */
  explanation?: string;
}

/** One evaluation result: what an evaluator returns, what `TracingService.score` records. */
export interface EvaluationResult extends ScoreOptions {
  /** Criterion or metric (`gen_ai.evaluation.name`). @default the evaluator's name */
  name?: string;
  /** Numeric result (`gen_ai.evaluation.score.value`). */
  value?: number;
}

/** A finished span as evaluators see it. */
export interface EvaluatedSpan {
  name: string;
  role: SpanRole;
  traceId: string;
  spanId: string;
  outcome: SpanOutcome;
  durationMs: number;
  /** The span's attributes when it ended (a copy). */
  attributes: Attributes;
  /** For provider spans: the provider, operation, models and response id. */
  provider?: string;
  operation?: string;
  requestModel?: string;
  responseModel?: string;
  responseId?: string;
  /** For provider spans: the request as passed, the messages read from it and the system instructions. */
  request?: unknown;
  inputMessages?: ChatMessage[];
  systemInstructions?: MessagePart[];
  /** For provider spans: the result (non-streamed calls) and the output messages (streamed ones assembled, bounded by `maxContentLength`). */
  result?: unknown;
  outputMessages?: OutputMessage[];
  /** The text of the first output message, the common case for an answer to score. */
  outputText?: string;
}

/**
 * An evaluator run after spans end, off the request path: returns one result, several, or none (`undefined`),
 * sync or async. A throw, a rejection or a timeout is counted and logged once, never seen by the request.
 * @example
 * { name: 'answer_length', evaluate: (span) => span.outputText ? { value: span.outputText.length } : undefined }
 */
export interface Evaluator {
  /** Name of the evaluator; default name of its results. */
  name: string;
  /** Roles of the spans it looks at. @default ['provider'] */
  roles?: readonly SpanRole[];
  /** Narrows further: only spans for which this returns true. */
  filter?: (span: EvaluatedSpan) => boolean;
  evaluate(span: EvaluatedSpan): EvaluationResult | readonly EvaluationResult[] | undefined | Promise<EvaluationResult | readonly EvaluationResult[] | undefined>;
}

/** Bounds of the evaluator runs. */
export interface EvaluationOptions {
  /** Longest an evaluation of one span may take; later results are dropped. Env: `TRACING_EVALUATION_TIMEOUT`. @default 10000 */
  timeoutMillis?: number;
  /** Spans waiting for or under evaluation; beyond it spans are exported unevaluated (and counted). @default 1000 */
  maxPending?: number;
  /** Evaluations running at once. @default 4 */
  concurrency?: number;
}
