import { lastValueFrom, type Observable } from 'rxjs';

/**
 * Bounded waits: every wait on a socket, a stream, an event or a condition has a deadline and fails naming what
 * it waited for, so a lost message fails the test in seconds instead of hanging the run.
 */

/** Default deadline of a wait on one message, event or chunk. */
export const WAIT_MS = 5_000;

/** The error a wait fails with: names what was awaited and how long. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';

  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    detail?: string,
  ) {
    super(`still waiting for ${what} after ${timeoutMs} ms${detail ? ` (${detail})` : ''}`);
  }
}

/**
 * Resolves as `work` does, or rejects with a `WaitTimeoutError` naming `what` once `timeoutMs` pass; `onTimeout`
 * runs before the rejection (remove a listener, say what was seen). The timer keeps the event loop alive while it
 * waits (the work may hang on unref'd timers only, as the library's shutdown bound does) and is cleared either way.
 */
export function within<T>(work: PromiseLike<T>, what: string, timeoutMs = WAIT_MS, onTimeout?: () => string | void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(what, timeoutMs, onTimeout?.() ?? undefined)), timeoutMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Polls `probe` (on the event loop, every few ms; it may be async) until it gives something other than
 * `undefined`; returns that. Fails after `timeoutMs` naming `what` and, through `describe`, what was there instead.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  options: { timeoutMs?: number; describe?: () => string } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? WAIT_MS * 4;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new WaitTimeoutError(what, timeoutMs, options.describe?.());
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The last value of a (finite) Observable, such as a microservice client's reply, with a deadline. */
export function lastValueWithin<T>(source: Observable<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  return within(lastValueFrom(source), what, timeoutMs);
}

/**
 * Reads `stream` to its end (or until `onItem` returns `false`, which stops it early as a `break` would), failing
 * after `timeoutMs` with `what`. For SDK streams over a socket: a chunk that never comes fails, never hangs.
 */
export function readStream<T>(stream: AsyncIterable<T>, what: string, onItem: (item: T) => boolean | void = () => undefined, timeoutMs = WAIT_MS): Promise<void> {
  const read = (async () => {
    for await (const item of stream) if (onItem(item) === false) break;
  })();
  return within(read, what, timeoutMs);
}

/** The next `event` of an emitter (`once` with a deadline). */
export function nextEmitted<T extends unknown[] = unknown[]>(
  emitter: { once(event: string, listener: (...args: T) => void): unknown; off(event: string, listener: (...args: T) => void): unknown },
  event: string,
  timeoutMs = WAIT_MS,
): Promise<T> {
  let listener: ((...args: T) => void) | undefined;
  const received = new Promise<T>((resolve) => {
    listener = (...args: T) => resolve(args);
    emitter.once(event, listener);
  });
  return within(received, `the "${event}" event`, timeoutMs, () => void emitter.off(event, listener!));
}

/** Reads a fetch body until `text` (decoded) contains `until`; returns everything read. Fails at end of stream too. */
export async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: string, timeoutMs = WAIT_MS): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(until)) {
    const step = await within(reader.read(), `"${until}" in the response body`, timeoutMs, () => `read so far: ${JSON.stringify(text)}`);
    if (step.done) throw new Error(`the response body ended before "${until}"; read: ${JSON.stringify(text)}`);
    text += decoder.decode(step.value, { stream: true });
  }
  return text;
}

/** Reads a fetch body to its end (bounded); returns the decoded text. */
export async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>, timeoutMs = WAIT_MS): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const step = await within(reader.read(), 'the end of the response body', timeoutMs, () => `read so far: ${JSON.stringify(text)}`);
    if (step.done) return text + decoder.decode();
    text += decoder.decode(step.value, { stream: true });
  }
}
