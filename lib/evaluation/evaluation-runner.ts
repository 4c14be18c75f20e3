import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SpanEvaluations } from '../core/runtime.js';
import { reportOnce } from '../core/safe-execute.js';
import type { SpanOutcome } from '../core/span-lifecycle.js';
import { describeThrown } from '../core/thrown-value.js';
import type { SpanRole, SpanScope } from '../core/span-scope.js';
import type { EvaluatedSpan, EvaluationResult, Evaluator } from './evaluation.types.js';
import { addEvaluationEvent } from './evaluation-event.js';

/** Bounds of the runner, resolved from the `evaluation` option. */
export interface EvaluationBounds {
  timeoutMillis: number;
  maxPending: number;
  concurrency: number;
}

/** What the runner did, for tests and health reporting. */
export interface EvaluationStats {
  /** Spans handed to evaluators. */
  evaluated: number;
  /** Results recorded. */
  results: number;
  /** Evaluations that threw or rejected. */
  failed: number;
  /** Evaluations past `timeoutMillis`. */
  timedOut: number;
  /** Spans exported unevaluated because `maxPending` spans were waiting. */
  dropped: number;
}

interface Pending {
  finish: () => void;
  done: boolean;
}

const TIMEOUT = Symbol('timeout');

/**
 * Runs the configured evaluators on ended spans, off the request path: the span's end is deferred (its end time
 * is kept), a snapshot goes to the evaluators on a later turn of the event loop, their results become
 * `gen_ai.evaluation.result` events on the span, and only then is it exported. Bounded: at most `maxPending`
 * spans wait (later ones are exported unevaluated), at most `concurrency` evaluations run at once, each cut at
 * `timeoutMillis`. A throwing or rejecting evaluator is recorded as an evaluation result with `error.type`, logged
 * once, and never reaches the request.
 */
export class EvaluationRunner implements SpanEvaluations {
  readonly stats: EvaluationStats = { evaluated: 0, results: 0, failed: 0, timedOut: 0, dropped: 0 };
  private readonly roles = new Set<SpanRole>();
  private readonly pending = new Set<Pending>();
  private readonly queue: Array<() => Promise<void>> = [];
  private running = 0;

  constructor(
    private readonly evaluators: readonly Evaluator[],
    private readonly bounds: EvaluationBounds,
  ) {
    for (const evaluator of evaluators) for (const role of evaluator.roles ?? ['provider']) this.roles.add(role);
  }

  wants(role: SpanRole): boolean {
    return this.roles.has(role);
  }

  evaluate(scope: SpanScope, outcome: SpanOutcome, finish: () => void): void {
    if (!scope.span.isRecording()) return finish();
    if (this.pending.size >= this.bounds.maxPending) {
      this.stats.dropped += 1;
      return finish();
    }
    const span = snapshot(scope, outcome);
    const entry: Pending = { finish, done: false };
    this.pending.add(entry);
    const evaluators = this.evaluators.filter((e) => (e.roles ?? ['provider']).includes(scope.role));
    this.stats.evaluated += 1;
    // A later turn of the event loop: the caller already has its result when evaluators start.
    setImmediate(() => {
      let left = evaluators.length;
      const settle = () => {
        if (--left === 0) this.release(entry);
      };
      if (left === 0) return this.release(entry);
      for (const evaluator of evaluators) this.schedule(() => this.runOne(evaluator, span, scope).finally(settle));
    });
  }

  /** Ends every span still waiting (their evaluations are abandoned): at shutdown, before the final flush. */
  close(): void {
    for (const entry of [...this.pending]) this.release(entry);
    this.queue.length = 0;
  }

  private release(entry: Pending): void {
    if (entry.done) return;
    entry.done = true;
    this.pending.delete(entry);
    entry.finish();
  }

  private schedule(task: () => Promise<void>): void {
    this.queue.push(task);
    this.drain();
  }

  private drain(): void {
    while (this.running < this.bounds.concurrency && this.queue.length > 0) {
      const task = this.queue.shift()!;
      this.running += 1;
      void task().finally(() => {
        this.running -= 1;
        this.drain();
      });
    }
  }

  private async runOne(evaluator: Evaluator, span: EvaluatedSpan, scope: SpanScope): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      if (evaluator.filter && !evaluator.filter(span)) return;
      const timeout = new Promise<typeof TIMEOUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMEOUT), this.bounds.timeoutMillis);
        timer.unref?.();
      });
      const outcome = await Promise.race([Promise.resolve().then(() => evaluator.evaluate(span)), timeout]);
      if (outcome === TIMEOUT) {
        this.stats.timedOut += 1;
        reportOnce(`evaluator "${evaluator.name}"`, new Error(`timed out after ${this.bounds.timeoutMillis} ms`));
        addEvaluationEvent(scope, { name: evaluator.name }, 'timeout');
        return;
      }
      const results: readonly EvaluationResult[] = outcome === undefined ? [] : Array.isArray(outcome) ? outcome : [outcome as EvaluationResult];
      for (const result of results) {
        if (addEvaluationEvent(scope, { ...result, name: result?.name ?? evaluator.name })) this.stats.results += 1;
      }
    } catch (error) {
      this.stats.failed += 1;
      reportOnce(`evaluator "${evaluator.name}"`, error);
      addEvaluationEvent(scope, { name: evaluator.name }, describeThrown(error).type);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

/** What evaluators see of an ended span; provider spans add their call. */
function snapshot(scope: SpanScope, outcome: SpanOutcome): EvaluatedSpan {
  const readable = scope.span as unknown as Partial<ReadableSpan>;
  const context = scope.span.spanContext();
  const span: EvaluatedSpan = {
    name: readable.name ?? '',
    role: scope.role,
    traceId: context.traceId,
    spanId: context.spanId,
    outcome,
    durationMs: performance.now() - scope.startedAt,
    attributes: { ...(readable.attributes as Attributes | undefined) },
  };
  const call = scope.call;
  if (!call) return span;
  span.provider = call.provider;
  span.operation = call.operation;
  span.requestModel = call.requestModel;
  span.responseModel = scope.responseModel;
  span.responseId = call.responseId;
  span.request = call.request;
  span.inputMessages = call.input?.messages;
  span.systemInstructions = call.input?.systemInstructions;
  span.result = call.result;
  span.outputMessages = call.output;
  const first = call.output?.[0];
  if (first) span.outputText = first.parts.map((p) => (p.type === 'text' ? p.content : '')).join('');
  return span;
}
