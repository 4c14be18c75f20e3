import type { Attributes } from '@opentelemetry/api';
import { SPAN_ROLES, type Attribution, type SpanRole, type SpanScope, type TokenUsage } from '../../core/span-scope.js';
import type { CostResult } from '../../cost/cost.types.js';
import type { ProviderCall } from '../provider-call.js';
import type { AttributeBatch } from './attribute-batch.js';
import type { Convention, ConventionName, ProviderCallEnd, SpanStartInfo } from './convention.js';
import { genAiConvention } from './genai.convention.js';
import { langfuseConvention } from './langfuse.convention.js';
import { libraryConvention } from './library.convention.js';
import { openInferenceConvention } from './openinference.convention.js';
import { traceloopConvention } from './traceloop.convention.js';

/** Conventions that can be chosen, in the order they write (later ones win a shared key). */
export const CONVENTION_NAMES: readonly ConventionName[] = ['openinference', 'traceloop', 'langfuse'];

/**
 * On unless configured otherwise. Measured per span in `bench/` (README, "Backend conventions"): OpenInference
 * and Langfuse cost a few attributes per span and make Phoenix and Langfuse show the conversation, cost and
 * time to first token; Traceloop's grouping adds its association properties and paths to every span and only
 * serves Traceloop, so it is opt-in.
 */
export const DEFAULT_CONVENTIONS: readonly ConventionName[] = ['openinference', 'langfuse'];

const CHOOSABLE: Readonly<Record<ConventionName, Convention>> = {
  openinference: openInferenceConvention,
  traceloop: traceloopConvention,
  langfuse: langfuseConvention,
};

type Hook = Exclude<keyof Convention, 'name' | 'roleAttributes' | 'everySpan'>;

/**
 * The conventions in force: the library's own and the GenAI ones always, plus the chosen ones. Each hook runs
 * the conventions that implement it, in order; the fixed attributes of each role are computed once here.
 */
export class ConventionSet {
  readonly openInference: boolean;
  readonly traceloop: boolean;
  readonly langfuse: boolean;
  /** Some convention places every span (groups, paths); the others start only tagged spans and outermost workflows. */
  readonly placesEverySpan: boolean;
  private readonly roles: Record<SpanRole, Readonly<Attributes>>;
  private readonly hooks: { [H in Hook]: Convention[] };

  constructor(readonly names: readonly ConventionName[]) {
    const active = [libraryConvention, genAiConvention, ...CONVENTION_NAMES.filter((n) => names.includes(n)).map((n) => CHOOSABLE[n])];
    this.openInference = names.includes('openinference');
    this.traceloop = names.includes('traceloop');
    this.langfuse = names.includes('langfuse');
    this.placesEverySpan = active.some((c) => c.everySpan === true && typeof c.spanStart === 'function');
    this.roles = Object.fromEntries(
      SPAN_ROLES.map((role) => {
        const out: Attributes = {};
        for (const c of active) c.roleAttributes?.(role, out);
        return [role, Object.freeze(out)];
      }),
    ) as Record<SpanRole, Readonly<Attributes>>;
    const having = (hook: Hook) => active.filter((c) => typeof c[hook] === 'function');
    this.hooks = {
      spanStart: having('spanStart'),
      rootEnd: having('rootEnd'),
      content: having('content'),
      providerStart: having('providerStart'),
      providerEnd: having('providerEnd'),
      usage: having('usage'),
      cost: having('cost'),
    };
  }

  /** Fixed attributes of every span of `role` (frozen; copy before writing). */
  roleAttributes(role: SpanRole): Readonly<Attributes> {
    return this.roles[role];
  }

  spanStart(out: Attributes, span: SpanStartInfo): void {
    for (const c of this.hooks.spanStart) c.spanStart!(out, span);
  }

  rootEnd(out: AttributeBatch, traceName: string): void {
    for (const c of this.hooks.rootEnd) c.rootEnd!(out, traceName);
  }

  /** True when some convention records captured content again (so the caller builds an attributes object). */
  get recordsContent(): boolean {
    return this.hooks.content.length > 0;
  }

  content(out: AttributeBatch, scope: SpanScope, kind: 'input' | 'output', json: string, outermostWorkflow: boolean): void {
    for (const c of this.hooks.content) c.content!(out, scope, kind, json, outermostWorkflow);
  }

  providerStart(out: Attributes, call: ProviderCall, attribution: Attribution): void {
    for (const c of this.hooks.providerStart) c.providerStart!(out, call, attribution);
  }

  providerEnd(out: AttributeBatch, end: ProviderCallEnd): void {
    for (const c of this.hooks.providerEnd) c.providerEnd!(out, end);
  }

  usage(out: AttributeBatch, usage: Required<TokenUsage>, reported: TokenUsage): void {
    for (const c of this.hooks.usage) c.usage!(out, usage, reported);
  }

  cost(out: AttributeBatch, cost: CostResult, usage: Required<TokenUsage> | undefined, nonTokenUsd: number): void {
    for (const c of this.hooks.cost) c.cost!(out, cost, usage, nonTokenUsd);
  }
}

const sets = new Map<string, ConventionSet>();

/** The (shared, immutable) set for `names`. */
export function conventionSet(names: readonly ConventionName[] = DEFAULT_CONVENTIONS): ConventionSet {
  const key = CONVENTION_NAMES.filter((n) => names.includes(n)).join(',');
  let set = sets.get(key);
  if (!set) sets.set(key, (set = new ConventionSet(CONVENTION_NAMES.filter((n) => names.includes(n)))));
  return set;
}
