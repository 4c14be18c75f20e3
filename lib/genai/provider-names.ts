/**
 * OpenTelemetry `gen_ai.provider.name` values (and common spellings) in the OpenInference vocabulary, which
 * separates the hosting provider (`llm.provider`: `azure`, `aws`, `google`) from the AI product (`llm.system`:
 * `openai`, `anthropic`, `vertexai`). Values from OpenInference's `LLMProvider` and `LLMSystem` enums
 * (Arize-ai/openinference, js/packages/openinference-semantic-conventions/src/trace/SemanticConventions.ts).
 * Phoenix matches `llm.provider` against the providers of its model price table
 * (Arize-ai/phoenix, src/phoenix/server/cost_tracking/cost_model_lookup.py), so OTel names such as
 * `azure.ai.openai` must not reach it as they are.
 */
const OPENINFERENCE: Readonly<Record<string, { provider: string; system?: string }>> = {
  openai: { provider: 'openai', system: 'openai' },
  anthropic: { provider: 'anthropic', system: 'anthropic' },
  'azure.ai.openai': { provider: 'azure', system: 'openai' },
  'az.ai.openai': { provider: 'azure', system: 'openai' },
  azure_openai: { provider: 'azure', system: 'openai' },
  'azure.ai.inference': { provider: 'azure' },
  'az.ai.inference': { provider: 'azure' },
  azure: { provider: 'azure' },
  'aws.bedrock': { provider: 'aws' },
  bedrock: { provider: 'aws' },
  aws: { provider: 'aws' },
  'gcp.vertex_ai': { provider: 'google', system: 'vertexai' },
  'gcp.gemini': { provider: 'google', system: 'vertexai' },
  'gcp.gen_ai': { provider: 'google', system: 'vertexai' },
  vertex_ai: { provider: 'google', system: 'vertexai' },
  vertexai: { provider: 'google', system: 'vertexai' },
  gemini: { provider: 'google', system: 'vertexai' },
  google: { provider: 'google', system: 'vertexai' },
  mistral_ai: { provider: 'mistralai', system: 'mistralai' },
  mistralai: { provider: 'mistralai', system: 'mistralai' },
  mistral: { provider: 'mistralai', system: 'mistralai' },
  cohere: { provider: 'cohere', system: 'cohere' },
  x_ai: { provider: 'xai' },
  xai: { provider: 'xai' },
  deepseek: { provider: 'deepseek' },
  groq: { provider: 'groq' },
  fireworks: { provider: 'fireworks' },
  fireworks_ai: { provider: 'fireworks' },
  together: { provider: 'together' },
  together_ai: { provider: 'together' },
  cerebras: { provider: 'cerebras' },
  perplexity: { provider: 'perplexity' },
  moonshot: { provider: 'moonshot' },
  ollama: { provider: 'ollama' },
};

/** Bedrock model ids start with the model vendor (`anthropic.claude-...`, `us.meta.llama...`): the AI product. */
const BEDROCK_VENDORS: Readonly<Record<string, string>> = { anthropic: 'anthropic', meta: 'meta', amazon: 'amazon', cohere: 'cohere', mistral: 'mistralai', ai21: 'ai21' };

/** `llm.provider` and `llm.system` for a provider name as given to `@TraceProvider` (and the model, for Bedrock). */
export function openInferenceProvider(provider: string, model: string | undefined): { provider: string; system?: string } {
  const known = OPENINFERENCE[provider.toLowerCase()];
  if (!known) return { provider: provider.toLowerCase() };
  if (known.provider !== 'aws' || !model) return known;
  const vendor = /^(?:[a-z]{2}\.)?([a-z0-9]+)\./.exec(model)?.[1];
  const system = vendor ? BEDROCK_VENDORS[vendor] : undefined;
  return system ? { provider: 'aws', system } : known;
}
