/**
 * Tests in one file share `process.env`; `@nestjs/config` also writes `.env` values into it. Each test that
 * depends on the environment starts from one without tracing variables and puts the original back after.
 */
const PREFIXES = ['OTEL_', 'TRACING_'];
const NAMES = new Set(['npm_package_name', 'npm_package_version', 'NODE_ENV']);

/** Removes OTEL_*, TRACING_*, npm_package_name/version and NODE_ENV, sets `vars`; returns a restore function. */
export function isolateEnv(vars: Record<string, string> = {}): () => void {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) {
    if (NAMES.has(key) || PREFIXES.some((prefix) => key.startsWith(prefix))) delete process.env[key];
  }
  Object.assign(process.env, vars);
  return () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  };
}

/** An env reader over a fixed table, as `resolveTracingConfig` takes it. */
export function envOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined);
}
