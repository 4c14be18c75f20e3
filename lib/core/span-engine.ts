import { context, type Context } from '@opentelemetry/api';
import { getRuntime } from './runtime.js';
import { settle } from './result-tracing.js';
import { fail, tryOpenSpan, type SpanSpec } from './span-lifecycle.js';

export { discardSpan, markError, openSpan, type LiveSpan, type SpanOutcome, type SpanSpec } from './span-lifecycle.js';

/**
 * Runs `fn` inside a new span described by `spec` and ends the span exactly once, whatever `fn` returns:
 * a value or a throw (the call stays synchronous), a native Promise or a Promise subclass (lazy thenables are
 * never touched), an RxJS Observable (ends on complete, error or unsubscribe), an async iterable (ends when
 * iteration completes, throws or stops early) or a Node readable stream (ends when it finishes).
 * The user's return value and errors pass through unchanged; a failure of the tracing itself never reaches
 * the caller (the call then runs untraced).
 *
 * `active` is the context active at the call, when the caller has already read it (the parent unless
 * `spec.parent` names one): the engine then does not read it again.
 */
export function runInSpan<R>(spec: SpanSpec, fn: () => R, active?: Context): R {
  if (!getRuntime().enabled) return fn();
  const live = tryOpenSpan(spec, active);
  if (!live) return fn();
  let result: R;
  try {
    result = context.with(live.ctx, fn);
  } catch (error) {
    fail(spec, live, error);
    throw error;
  }
  return settle(spec, live, result);
}
