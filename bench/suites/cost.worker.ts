import { calcPrice } from '@pydantic/genai-prices';
import { CostService, type TokenUsage } from '../../lib/index.js';
import { childInput, runAsChild } from '../support/child-process.js';
import { median, relativeSpread, round } from '../support/stats.js';
import { startTracingApp } from '../support/tracing-setup.js';

export interface CostInput {
  rounds: number;
  calls: number;
  /**
   * Set: this child only times the first call per model of that contender, in a process where nothing was priced
   * yet (for `genai-prices`, without booting the app, whose own lookups would warm the same data).
   */
  cold?: ContenderId;
}

type ContenderId = 'cost-service' | 'genai-prices';

export interface CostRow {
  id: ContenderId;
  label: string;
  microsPerCall: number;
  spread: number;
  /** µs of the first call for each model, in a fresh child (cold price lookup), one sample each. */
  firstCallMicros: number[];
  /** Same price as the other contender for every model (sanity check, to 1e-9 USD). */
  agrees: boolean;
}

/** A realistic spread of calls: the same few models again and again, as an app makes them. */
const CALLS: Array<{ provider: string; model: string; usage: TokenUsage }> = [
  { provider: 'openai', model: 'gpt-4o-mini', usage: { inputTokens: 1200, outputTokens: 350, cacheReadTokens: 200 } },
  { provider: 'openai', model: 'gpt-4o-2024-08-06', usage: { inputTokens: 5400, outputTokens: 800 } },
  { provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', usage: { inputTokens: 3000, outputTokens: 900, cacheReadTokens: 1000 } },
  { provider: 'gcp.gemini', model: 'gemini-1.5-flash', usage: { inputTokens: 800, outputTokens: 120 } },
];

const GENAI_PROVIDER: Record<string, string> = { openai: 'openai', anthropic: 'anthropic', 'gcp.gemini': 'google' };

function genaiUsage(u: TokenUsage): Record<string, number> {
  return {
    input_tokens: u.inputTokens,
    output_tokens: u.outputTokens,
    ...(u.cacheReadTokens ? { cache_read_tokens: u.cacheReadTokens } : {}),
  };
}

function direct(i: number): number | undefined {
  const c = CALLS[i % CALLS.length]!;
  return calcPrice(genaiUsage(c.usage), c.model, { providerId: GENAI_PROVIDER[c.provider] })?.total_price;
}

/** µs of the first call of `fn` for each model. */
function firstCalls(fn: (i: number) => number | undefined): number[] {
  return CALLS.map((_, i) => {
    const t0 = process.hrtime.bigint();
    fn(i);
    return round(Number(process.hrtime.bigint() - t0) / 1000, 1);
  });
}

async function main(): Promise<{ rows: Array<Omit<CostRow, 'firstCallMicros'>>; models: string[] } | { firstCallMicros: number[] }> {
  const input = childInput<CostInput>();
  if (input.cold === 'genai-prices') return { firstCallMicros: firstCalls(direct) };
  const { app } = await startTracingApp({ serviceName: 'bench', exporter: 'none' });
  const cost = app.get(CostService);

  const ours = (i: number): number | undefined => {
    const c = CALLS[i % CALLS.length]!;
    const r = cost.calculate(c.usage, { provider: c.provider, model: c.model });
    return r.priced ? r.totalUsd : undefined;
  };
  if (input.cold === 'cost-service') {
    const firstCallMicros = firstCalls(ours);
    await app.close();
    return { firstCallMicros };
  }
  const contenders: Array<{ id: ContenderId; label: string; fn: (i: number) => number | undefined }> = [
    { id: 'cost-service', label: 'CostService.calculate (warm)', fn: ours },
    { id: 'genai-prices', label: '@pydantic/genai-prices calcPrice, called directly', fn: direct },
  ];

  const agrees = CALLS.every((_, i) => {
    const a = ours(i);
    const b = direct(i);
    return a !== undefined && b !== undefined && Math.abs(a - b) < 1e-9;
  });

  let sink = 0;
  const measure = (fn: (i: number) => number | undefined): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < input.calls; i++) sink += fn(i) ?? 0;
    return Number(process.hrtime.bigint() - t0) / 1000 / input.calls;
  };
  for (const c of contenders) measure(c.fn); // warm-up
  const samples = new Map<string, number[]>(contenders.map((c) => [c.id, []]));
  for (let r = 0; r < input.rounds; r++) {
    for (const c of r % 2 === 0 ? contenders : [...contenders].reverse()) samples.get(c.id)!.push(measure(c.fn));
  }
  await app.close();
  if (sink === 0) throw new Error('no call was priced');
  return {
    models: CALLS.map((c) => `${c.provider}/${c.model}`),
    rows: contenders.map((c) => ({
      id: c.id,
      label: c.label,
      microsPerCall: round(median(samples.get(c.id)!), 3),
      spread: round(relativeSpread(samples.get(c.id)!), 3),
      agrees,
    })),
  };
}

runAsChild(main);
