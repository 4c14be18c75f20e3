/** One branch of a parallel step: gets the signal that aborts when a sibling fails or the run is cancelled. */
export type Branch<T> = (signal: AbortSignal) => Promise<T>;

/**
 * Runs branches concurrently. When one fails, the others are aborted (their spans end as `cancelled`, not
 * left running past the workflow), and the first real failure is rethrown once every branch has settled.
 */
export async function runInParallel<T extends readonly unknown[]>(
  signal: AbortSignal,
  branches: { readonly [K in keyof T]: Branch<T[K]> },
): Promise<T> {
  const controller = new AbortController();
  // No abort reason: fetch and the SDKs then reject with a plain AbortError, which tracing records as cancelled.
  const abort = () => controller.abort();
  signal.addEventListener('abort', abort, { once: true });
  if (signal.aborted) abort();
  try {
    const settled = await Promise.allSettled(
      (branches as ReadonlyArray<Branch<unknown>>).map((branch) =>
        branch(controller.signal).catch((error: unknown) => {
          abort();
          throw error;
        }),
      ),
    );
    const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as unknown);
    if (failures.length > 0) throw failures.find((e) => !isAbortError(e)) ?? failures[0];
    return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && /Abort/.test(error.name + error.constructor.name);
}
