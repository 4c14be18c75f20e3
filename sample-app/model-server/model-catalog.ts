/**
 * Models the local server answers for, with the name it reports back. Like the real APIs, OpenAI answers
 * with a dated snapshot of the requested alias; reasoning models spend hidden reasoning tokens.
 */
export interface ServedModel {
  /** Model name reported in responses. */
  reportedAs: string;
  /** Hidden reasoning tokens per visible output token (0 for non-reasoning models). */
  reasoningRatio: number;
}

const OPENAI_MODELS: Readonly<Record<string, ServedModel>> = {
  'gpt-4o-mini': { reportedAs: 'gpt-4o-mini-2024-07-18', reasoningRatio: 0 },
  'gpt-4o': { reportedAs: 'gpt-4o-2024-08-06', reasoningRatio: 0 },
  'gpt-4.1-mini': { reportedAs: 'gpt-4.1-mini-2025-04-14', reasoningRatio: 0 },
  'gpt-4.1': { reportedAs: 'gpt-4.1-2025-04-14', reasoningRatio: 0 },
  'o4-mini': { reportedAs: 'o4-mini-2025-04-16', reasoningRatio: 2 },
  'o3-mini': { reportedAs: 'o3-mini-2025-01-31', reasoningRatio: 2 },
};

const ANTHROPIC_MODELS: Readonly<Record<string, ServedModel>> = {
  'claude-haiku-4-5': { reportedAs: 'claude-haiku-4-5-20251001', reasoningRatio: 0 },
  'claude-sonnet-4-5': { reportedAs: 'claude-sonnet-4-5-20250929', reasoningRatio: 0 },
  'claude-3-5-haiku-latest': { reportedAs: 'claude-3-5-haiku-20241022', reasoningRatio: 0 },
};

/** The OpenAI-compatible model for `name` (an alias or a reported snapshot name), if served. */
export function openAiModel(name: string): ServedModel | undefined {
  return lookup(OPENAI_MODELS, name);
}

/** The Anthropic-compatible model for `name`, if served. */
export function anthropicModel(name: string): ServedModel | undefined {
  return lookup(ANTHROPIC_MODELS, name);
}

function lookup(models: Readonly<Record<string, ServedModel>>, name: string): ServedModel | undefined {
  return models[name] ?? Object.values(models).find((m) => m.reportedAs === name);
}

/** Served model aliases, for error messages and `GET /v1/models`. */
export function servedModels(): string[] {
  return [...Object.keys(OPENAI_MODELS), ...Object.keys(ANTHROPIC_MODELS)];
}
