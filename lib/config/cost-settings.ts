import type { ResolvedTracingConfig } from './resolved-config.js';
import type { TracingModuleOptions } from './tracing-options.interface.js';
import { parseBoolean, parseString, reject, type EnvReader } from './value-parsers.js';

/** Cost tracking and pricing sources (the entries themselves are validated when `CostService` loads them). */
export function resolveCostSettings(o: TracingModuleOptions, env: EnvReader): Pick<ResolvedTracingConfig, 'costTracking' | 'pricing'> {
  return {
    costTracking: parseBoolean('costTracking', o.costTracking) ?? parseBoolean('TRACING_COST_TRACKING', env('TRACING_COST_TRACKING')) ?? true,
    pricing: {
      models: Array.isArray(o.pricing?.models)
        ? o.pricing.models
        : o.pricing?.models === undefined
          ? []
          : reject('pricing.models', o.pricing.models, 'an array of ModelPrice entries'),
      file: parseString('pricing.file', o.pricing?.file) ?? parseString('TRACING_PRICING_FILE', env('TRACING_PRICING_FILE')),
      deployments: deployments(o.pricing?.deployments),
      bundled: parseBoolean('pricing.bundled', o.pricing?.bundled) ?? true,
    },
  };
}

function deployments(value: unknown): Record<string, { provider: string; model: string }> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return reject('pricing.deployments', value, 'an object of name -> { provider, model }');
  }
  for (const [name, target] of Object.entries(value)) {
    const t = target as { provider?: unknown; model?: unknown } | null;
    if (!t || typeof t.provider !== 'string' || t.provider === '' || typeof t.model !== 'string' || t.model === '') {
      reject(`pricing.deployments.${name}`, target, 'an object { provider: string; model: string }');
    }
  }
  return value as Record<string, { provider: string; model: string }>;
}
