/**
 * Every user-facing error and warning text, built by small functions so tests can assert them exactly.
 * Format of config errors: `nestjs-ai-tracing: invalid <where> <name>=<value>: <what is allowed>`.
 */

/** Describes a bad value; `source` is an option path (`sampleRate`) or an env variable (`TRACING_SAMPLE_RATE`). */
export function invalidValue(source: string, value: unknown, allowed: string): string {
  return `nestjs-ai-tracing: invalid ${describeSource(source)} ${source}=${show(value)}: expected ${allowed}`;
}

function describeSource(source: string): string {
  return /^[A-Z0-9_]+$/.test(source) ? 'environment variable' : 'option';
}

/** Renders a bad value for an error message: strings quoted, objects as their type. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (value instanceof RegExp) return value.toString();
  return Array.isArray(value) ? 'array' : typeof value;
}

/** A bad field of one price entry; `where` is `pricing.models[2]` or `pricing file /path.json entry [2]`. */
export function invalidPriceEntry(where: string, entry: unknown, field: string, value: unknown, allowed: string): string {
  return `nestjs-ai-tracing: invalid ${where}${describeEntry(entry)} ${field}=${show(value)}: expected ${allowed}`;
}

function describeEntry(entry: unknown): string {
  if (entry === null || typeof entry !== 'object') return '';
  const { provider, model } = entry as { provider?: unknown; model?: unknown };
  const parts: string[] = [];
  if (typeof provider === 'string') parts.push(`provider ${JSON.stringify(provider)}`);
  if (typeof model === 'string') parts.push(`model ${JSON.stringify(model)}`);
  else if (model instanceof RegExp) parts.push(`model ${model.toString()}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** The pricing file could not be read. */
export function unreadablePricingFile(path: string, detail: string): string {
  return `nestjs-ai-tracing: cannot read pricing file ${path} (option pricing.file or TRACING_PRICING_FILE): ${detail}`;
}

/** The pricing file is not a JSON array. */
export function malformedPricingFile(path: string, detail: string): string {
  return (
    `nestjs-ai-tracing: invalid pricing file ${path}: expected a JSON array of ` +
    `{ provider, model, input, output, cacheRead?, cacheWrite?, reasoning? } (USD per 1M tokens): ${detail}`
  );
}

/** Why a call has no price (`cost.unpriced_reason`). */
export function unpricedModel(provider: string, models: readonly string[]): string {
  return `no price for provider ${JSON.stringify(provider)} model ${models.map((m) => JSON.stringify(m)).join(' or ')}`;
}

/** Warning logged once per unknown provider/model. */
export function unpricedModelWarning(provider: string, models: readonly string[]): string {
  return (
    `nestjs-ai-tracing: ${unpricedModel(provider, models)}; its calls get cost.priced=false and no cost. ` +
    'Add a price with pricing.models or TRACING_PRICING_FILE (USD per 1M tokens), or map a deployment name with pricing.deployments.'
  );
}

/** A bad argument of a public cost API call (`CostService.report`, `CostService.forecast`). */
export function invalidCostQuery(method: string, field: string, value: unknown, allowed: string): string {
  return `nestjs-ai-tracing: invalid argument ${method}({ ${field} }): ${field}=${show(value)}: expected ${allowed}`;
}
