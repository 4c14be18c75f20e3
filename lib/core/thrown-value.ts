import type { Exception } from '@opentelemetry/api';

/** What the engine records about a thrown value. */
export interface ThrownValue {
  /** Low-cardinality name for `error.type`: the class name of an error, else the value's type. */
  type: string;
  message: string;
  /** Cancelled through an `AbortSignal` (an `AbortError`, as `fetch` and SDKs throw). */
  aborted: boolean;
  /** A plain copy for `span.recordException`, which would otherwise read the value's properties again. */
  exception: Exception;
}

/**
 * Reads a thrown value once, defensively: anything can be thrown, including a Proxy whose every trap throws,
 * a revoked Proxy or an object with throwing `constructor`, `name` or `message` getters. Each probe that
 * throws is skipped, so describing the value never replaces it with another error on its way to the caller.
 */
export function describeThrown(error: unknown): ThrownValue {
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) {
    const message = String(error);
    return { type: error === null ? 'null' : typeof error, message, aborted: false, exception: { name: typeof error, message } };
  }
  const isError = probe(() => error instanceof Error) === true;
  const name = stringProbe(() => (error as { name?: unknown }).name);
  const className = stringProbe(() => (error as { constructor?: { name?: unknown } }).constructor?.name);
  const message = stringProbe(() => (error as { message?: unknown }).message) ?? objectString(error);
  const type = isError ? (className && className !== 'Object' ? className : (name ?? 'Error')) : typeof error;
  const exception: Exception = { name: type, message };
  const stack = stringProbe(() => (error as { stack?: unknown }).stack);
  if (stack !== undefined) exception.stack = stack;
  const code = probe(() => (error as { code?: unknown }).code);
  if (typeof code === 'string' || typeof code === 'number') exception.code = code;
  const aborted = isError && (name === 'AbortError' || /Abort(Error)?$/.test(className ?? ''));
  return { type, message, aborted, exception };
}

function probe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function stringProbe(read: () => unknown): string | undefined {
  const value = probe(read);
  return typeof value === 'string' ? value : undefined;
}

/** The string form of an object that has no string `message`: its own `toString`, else its tag, else its type. */
function objectString(value: object): string {
  return probe(() => String(value)) ?? probe(() => Object.prototype.toString.call(value)) ?? `[${typeof value}]`;
}
