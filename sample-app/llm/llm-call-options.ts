/** Per-call options every provider method takes. */
export interface LlmCallOptions {
  /** Aborts the call (cancelled jobs); the span then ends with status `cancelled`, not as an error. */
  signal?: AbortSignal;
}
