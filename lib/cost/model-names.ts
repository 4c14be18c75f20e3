/**
 * OTel `gen_ai.provider.name` values (and common spellings) whose `@pydantic/genai-prices` provider id differs.
 * Names not listed are looked up as they are (the price data matches ids and aliases itself).
 */
const PROVIDER_IDS: Readonly<Record<string, string>> = {
  'aws.bedrock': 'aws',
  bedrock: 'aws',
  'azure.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  'az.ai.openai': 'azure',
  'az.ai.inference': 'azure',
  azure_openai: 'azure',
  'gcp.vertex_ai': 'google',
  'gcp.gemini': 'google',
  'gcp.gen_ai': 'google',
  vertex_ai: 'google',
  vertexai: 'google',
  gemini: 'google',
  mistral_ai: 'mistral',
  mistralai: 'mistral',
  x_ai: 'x-ai',
  xai: 'x-ai',
};

/** The price-source provider id for a provider name as it appears on spans (lower-cased). */
export function providerId(name: string): string {
  const lower = name.trim().toLowerCase();
  return PROVIDER_IDS[lower] ?? lower;
}

// Dated snapshots: gpt-4o-2024-08-06, claude-3-5-sonnet-20241022, claude-3-5-sonnet-v2@20241022, ...-latest.
const SNAPSHOT = /(?:[-@](?:\d{4}-\d{2}-\d{2}|\d{8})|-latest)$/;

/**
 * Names to try for a model, most specific first: as given; without a `models/` prefix (Gemini REST);
 * without a leading `provider/` segment (gateways, LiteLLM); then each without a dated snapshot suffix.
 * `prefixProvider` is the stripped `provider/` segment, to try that provider too.
 */
export function modelCandidates(model: string): { names: string[]; prefixProvider: string | undefined } {
  const names: string[] = [];
  const add = (name: string) => {
    if (name !== '' && !names.includes(name)) names.push(name);
  };
  const trimmed = model.trim();
  add(trimmed);
  let rest = trimmed.replace(/^models\//, '');
  add(rest);
  let prefixProvider: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    prefixProvider = rest.slice(0, slash);
    rest = rest.slice(slash + 1).replace(/^models\//, '');
    add(rest);
  }
  for (const name of [...names]) {
    const undated = name.replace(SNAPSHOT, '');
    if (undated !== name) add(undated);
  }
  return { names, prefixProvider };
}
