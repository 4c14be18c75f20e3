/** Which provider and model a usage is priced for. */
export interface CostTarget {
  /** Provider as it appears on spans: `openai`, `anthropic`, `azure.ai.openai`, `gcp.vertex_ai`, `aws.bedrock`... */
  provider: string;
  /** Model name; `provider/` and `models/` prefixes and dated snapshot suffixes are tolerated. */
  model: string;
  /** Tried when `model` has no price, e.g. the requested model when `model` is the one the provider reported. */
  fallbackModel?: string;
  /** When the call happened, for prices that changed over time. @default now */
  at?: Date;
}

/**
 * The price of one call in USD. Unknown models are `priced: false` with a reason, never $0.
 * `totalUsd` is `inputUsd + outputUsd` plus any per-request fee the price table has.
 */
export type CostResult =
  | {
      priced: true;
      totalUsd: number;
      /** Uncached input, cache reads and cache writes. */
      inputUsd: number;
      /** Output, reasoning included. */
      outputUsd: number;
      /** `custom` for a user price, else `genai-prices@<version>`. */
      source: string;
    }
  | { priced: false; reason: string };

/** Dimensions a cost report can be grouped by; `kind` is `tokens` for provider calls, else what `recordCost` said. */
export type CostGroupBy = 'user' | 'tenant' | 'workflow' | 'provider' | 'model' | 'kind';

/** Arguments of `CostService.report`. */
export interface CostReportQuery {
  /** Group rows by these dimensions, in this order; `[]` gives one total row. */
  groupBy: CostGroupBy[];
  /** Only calls at or after this time (resolved to the hour it falls in). @default the whole retained window */
  since?: Date;
}

/** One row of a cost report: running totals of the calls sharing a group key. */
export interface CostReportRow {
  /** The row's value for each requested dimension; `null` when the calls carried none (e.g. no user). */
  key: Partial<Record<CostGroupBy, string | null>>;
  /**
   * True for the row collecting calls whose user/tenant/workflow/provider/model combination arrived after the
   * distinct-key cap was reached; its key values are all `null`.
   */
  other: boolean;
  /** USD of the priced calls and of the costs that are not tokens. */
  totalUsd: number;
  /** The part of `totalUsd` that is not tokens (`TracingService.recordCost`). */
  nonTokenUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** Provider calls, priced or not. */
  calls: number;
  /** Calls with no price: `totalUsd` does not include them. */
  unpricedCalls: number;
}

/** One provider call as the cost report receives it. */
export interface CostCallRecord {
  userId?: string;
  tenantId?: string;
  /** Workflow name (else id) the call ran in. */
  workflow?: string;
  provider: string;
  model?: string;
  /** undefined when the call has no price. */
  costUsd: number | undefined;
  inputTokens: number;
  outputTokens: number;
  /** When the call started. @default now */
  at?: Date;
  /** Trace and span of the call, when it ran in one (sampled or not). */
  traceId?: string;
  spanId?: string;
  /** Whether the call's span was sampled (its trace can be looked at). @default true */
  sampled?: boolean;
}

/**
 * One row of the cost ledger: a provider call's token cost (`kind: 'tokens'`), or a cost that is not tokens
 * (`recordCost`: `inputTokens` and `outputTokens` 0).
 */
export interface CostLedgerEntry extends Omit<CostCallRecord, 'provider'> {
  kind: CostKind;
  provider?: string;
}

/**
 * Receives every cost `CostService` records, whether its span was sampled or not: the trace store's per-call
 * cost rows, so its cost report does not depend on sampling. Must not throw or block.
 */
export interface CostLedger {
  record(entry: CostLedgerEntry): void;
}

/** What a cost that is not tokens is for: `image`, `audio`, `video`, `search`, `tool`... (lower case, `[a-z0-9_.-]`). */
export type CostKind = string;

/** Arguments of `TracingService.recordCost`: a cost that is not tokens, in USD. */
export interface NonTokenCost {
  /** USD, finite and >= 0. */
  usd: number;
  /** What it is for (`image`, `audio`, `search`, `tool`...): a short low-cardinality name, used as a metric label. */
  kind: CostKind;
  /** Free text, e.g. the API or tool called (on the span event only). */
  description?: string;
}

/** A cost that is not tokens as the cost report receives it. */
export interface NonTokenCostRecord {
  userId?: string;
  tenantId?: string;
  workflow?: string;
  /** Provider and model of the enclosing provider call, when it was recorded inside one. */
  provider?: string;
  model?: string;
  kind: CostKind;
  usd: number;
  /** @default now */
  at?: Date;
  /** Trace and span the cost was recorded in, when in one (sampled or not). */
  traceId?: string;
  spanId?: string;
  /** Whether that span was sampled. @default true */
  sampled?: boolean;
}

/** Arguments of `CostService.forecast`. */
export interface CostForecastQuery {
  /** Workflow name, as given to `@TraceWorkflow({ name })`. */
  workflow: string;
  /** How many more runs to forecast. */
  runs: number;
}

/**
 * Expected cost of `runs` more runs of a workflow, from the cost of its recent runs (a run is one finished
 * `@TraceWorkflow` span with its subtree's cost). Runs with an unpriced call are left out of the figures and
 * counted in `unpricedRuns`.
 */
export type CostForecast =
  | {
      available: true;
      workflow: string;
      runs: number;
      /** Priced runs the figures come from (the most recent ones, bounded). */
      observedRuns: number;
      unpricedRuns: number;
      /** Mean cost of one run. */
      meanRunUsd: number;
      /** 95th-percentile cost of one run (nearest rank). */
      p95RunUsd: number;
      /** `meanRunUsd * runs`. */
      expectedUsd: number;
      /** `p95RunUsd * runs`: the budget if every run costs as much as the 95th-percentile run. */
      p95Usd: number;
    }
  | { available: false; workflow: string; runs: number; observedRuns: 0; unpricedRuns: number; reason: string };
