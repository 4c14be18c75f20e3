/** Thrown at bootstrap when an option, environment variable or pricing entry is invalid. */
export class TracingConfigError extends Error {
  override readonly name = 'TracingConfigError';
}
