import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import type { TokenUsage } from '../core/span-scope.js';
import { describeThrown } from '../core/thrown-value.js';
import type { CostReport, ForecastQuery } from '../store/trace-query.types.js';
import type { TraceStore } from '../store/trace-store.js';
import { TraceStoreService } from '../store/trace-store.service.js';
import { COST_LEDGER, TRACE_STORE, TRACING_CONFIG } from '../tracing.constants.js';
import { costTrackingOff, invalidCostQuery, noWorkflowRuns, pricingFailed, unpricedModel, unpricedModelWarning, unpricedNoModel } from '../tracing.messages.js';
import type {
  CostCallRecord,
  CostForecast,
  CostForecastQuery,
  CostLedger,
  CostReportQuery,
  CostReportRow,
  CostResult,
  CostTarget,
  NonTokenCostRecord,
} from './cost.types.js';
import { CostReportStore } from './cost-report.store.js';
import { loadCustomPrices } from './custom-prices.js';
import { priceUsage, sanitizeUsage } from './price-rates.js';
import { PriceResolver } from './price-resolver.js';
import { WorkflowRunStore } from './workflow-runs.store.js';

/** The part of the configuration cost tracking reads. */
export type CostConfig = Pick<ResolvedTracingConfig, 'costTracking' | 'pricing'>;

const MAX_WARNED = 1000;

/**
 * Prices token usage and keeps running cost reports and per-workflow run costs. Prices come from the user's
 * `pricing.models` and `pricing.file` entries first, then the data bundled with `@pydantic/genai-prices`
 * (offline). Invalid pricing fails bootstrap with a `TracingConfigError` naming the entry.
 * @example
 * const cost = costService.calculate({ inputTokens: 1000, outputTokens: 500 }, { provider: 'openai', model: 'gpt-4o' });
 * if (cost.priced) console.log(cost.totalUsd);
 */
@Injectable()
export class CostService {
  private readonly logger = new Logger('CostService');
  private readonly enabled: boolean;
  private readonly resolver: PriceResolver | undefined;
  private readonly reports = new CostReportStore();
  private readonly runs = new WorkflowRunStore();
  private readonly warned = new Set<string>();
  private readonly stored: TraceStoreService;

  constructor(
    @Inject(TRACING_CONFIG) config: CostConfig,
    @Optional() @Inject(COST_LEDGER) private readonly ledger: CostLedger | null = null,
    @Optional() @Inject(TRACE_STORE) store: TraceStore | null = null,
  ) {
    this.stored = new TraceStoreService(store);
    this.enabled = config.costTracking;
    // With cost tracking off nothing is priced, so the pricing sources are not even read: switching it off is
    // also how an app boots past a broken pricing file.
    this.resolver = this.enabled
      ? new PriceResolver(loadCustomPrices(config.pricing), config.pricing.deployments, config.pricing.bundled)
      : undefined;
  }

  /**
   * The USD cost of `usage` (OTel convention: input includes cache reads/writes, output includes reasoning).
   * Cache reads, cache writes and reasoning use their own rates when the price has them. Never throws: a
   * model without a price gives `priced: false` with a reason (logged once per provider/model).
   */
  calculate(usage: TokenUsage, target: CostTarget): CostResult {
    if (!this.resolver) return { priced: false, reason: costTrackingOff() };
    let clean: Required<TokenUsage>;
    try {
      clean = sanitizeUsage(usage);
    } catch (error) {
      return { priced: false, reason: pricingFailed(describeThrown(error).message) };
    }
    return this.price(clean, target?.provider, target?.model, target?.fallbackModel, target?.at);
  }

  /**
   * `calculate` of usage already made safe to price (`sanitizeUsage`), without the target object: for the
   * provider-call recorder, which sanitizes the usage once for its attributes too (once per traced call).
   * @internal
   */
  price(usage: Required<TokenUsage>, providerName: unknown, model: unknown, fallbackModel: unknown, at?: Date): CostResult {
    if (!this.resolver) return { priced: false, reason: costTrackingOff() };
    const provider = typeof providerName === 'string' && providerName !== '' ? providerName : 'unknown';
    const first = typeof model === 'string' && model !== '' ? model : undefined;
    const second = typeof fallbackModel === 'string' && fallbackModel !== '' && fallbackModel !== first ? fallbackModel : undefined;
    if (first === undefined && second === undefined) return { priced: false, reason: unpricedNoModel(provider) };
    try {
      // The model, then the fallback: no array of candidates, as this runs for every traced call.
      const priced = (first !== undefined ? this.priceOf(usage, provider, first, at) : undefined) ?? (second !== undefined ? this.priceOf(usage, provider, second, at) : undefined);
      if (priced) return priced;
    } catch (error) {
      return { priced: false, reason: pricingFailed(describeThrown(error).message) };
    }
    const models = [first, second].filter((m): m is string => m !== undefined);
    this.warnOnce(provider, models);
    return { priced: false, reason: unpricedModel(provider, models) };
  }

  private priceOf(usage: Required<TokenUsage>, provider: string, model: string, at: Date | undefined): CostResult | undefined {
    const lookup = this.resolver!.resolve(provider, model);
    const rates = lookup?.ratesAt(at);
    if (!lookup || !rates) return undefined;
    const p = priceUsage(rates, usage);
    return { priced: true, totalUsd: p.totalUsd, inputUsd: p.inputUsd, outputUsd: p.outputUsd, source: lookup.source };
  }

  /**
   * Adds one provider call to the running report and, when the trace store is on, to its cost rows. Called for
   * every traced provider call, sampled or not (sampling reduces traces, not the bill); call it yourself for
   * calls made outside `@TraceProvider`. Ignored when cost tracking is off.
   */
  recordCall(call: CostCallRecord): void {
    if (!this.enabled) return;
    this.reports.add(call);
    this.ledger?.record({ ...call, kind: 'tokens' });
  }

  /**
   * Adds a cost that is not tokens (images, audio, paid APIs) to the running report. `TracingService.recordCost`
   * calls it; call it yourself for costs recorded outside any span. Ignored when cost tracking is off.
   */
  recordCost(record: NonTokenCostRecord): void {
    if (!this.enabled) return;
    this.reports.addCost(record);
    const { usd, ...rest } = record;
    this.ledger?.record({ ...rest, costUsd: usd, inputTokens: 0, outputTokens: 0 });
  }

  /**
   * Cost totals (USD, tokens, calls, unpriced calls) grouped by user, tenant, workflow, provider, model and/or
   * kind (`tokens`, or the kind given to `recordCost`),
   * over the last 7 days at most (hourly resolution). Memory is bounded: past 1,000 distinct combinations,
   * calls are summed into one row with `other: true`.
   * @example
   * costService.report({ groupBy: ['user'], since: new Date(Date.now() - 86_400_000) });
   */
  report(query: CostReportQuery): CostReportRow[] {
    return this.reports.report(query);
  }

  /**
   * Records one finished workflow run; `costUsd` undefined when a call in it had no price. Called by
   * `@TraceWorkflow` through the recorder with the run's rolled-up cost.
   */
  recordWorkflowRun(workflowName: string, costUsd: number | undefined): void {
    if (this.enabled) this.runs.record(workflowName, costUsd);
  }

  /**
   * Expected cost of `runs` more runs of a workflow, from its last 1,000 priced runs: mean and p95 per run.
   * @example
   * const f = costService.forecast({ workflow: 'summarize', runs: 10_000 });
   * if (f.available) console.log(f.expectedUsd, f.p95Usd);
   */
  forecast(query: CostForecastQuery): CostForecast {
    return this.runs.forecast(query);
  }

  /**
   * The cost report from the trace store's cost rows (every provider call, sampled or not, from every replica
   * writing to the store), so it survives restarts; `TraceStoreService.costReport` with the same arguments.
   * Rejects when the store is off.
   * @example
   * const byUser = await costService.reportFromStore({ groupBy: 'user', since: '30d' });
   */
  reportFromStore(query: Parameters<TraceStoreService['costReport']>[0] = {}): Promise<CostReport> {
    return this.stored.costReport(query);
  }

  /**
   * `forecast` from the runs in the trace store (the last 30 days unless `since` is given) instead of this
   * process's memory: it survives restarts and covers every replica. Same answer shape; rejects when the store
   * is off. See `TraceStoreService.forecast` for what counts as a run.
   * @example
   * const f = await costService.forecastFromStore({ workflow: 'summarize', runs: 10_000 });
   */
  async forecastFromStore(query: CostForecastQuery & Pick<ForecastQuery, 'since' | 'until'>): Promise<CostForecast> {
    const workflow: unknown = query?.workflow;
    const runs: unknown = query?.runs;
    if (typeof workflow !== 'string' || workflow === '') {
      throw new TypeError(invalidCostQuery('forecastFromStore', 'workflow', workflow, 'a workflow name (non-empty string)'));
    }
    if (typeof runs !== 'number' || !Number.isInteger(runs) || runs < 0) {
      throw new TypeError(invalidCostQuery('forecastFromStore', 'runs', runs, 'an integer >= 0'));
    }
    const report = await this.stored.forecast({ workflow, runs, since: query.since, until: query.until });
    const f = report.forecasts[0];
    if (!f || f.observedRuns === 0) {
      const unpricedRuns = f?.unpricedRuns ?? 0;
      return { available: false, workflow, runs, observedRuns: 0, unpricedRuns, reason: noWorkflowRuns(workflow, unpricedRuns) };
    }
    const { observedRuns, unpricedRuns, meanRunUsd, p95RunUsd, expectedUsd, p95Usd } = f;
    return { available: true, workflow, runs, observedRuns, unpricedRuns, meanRunUsd, p95RunUsd, expectedUsd, p95Usd };
  }

  private warnOnce(provider: string, models: string[]): void {
    const key = `${provider}\u0000${models.join('\u0000')}`;
    if (this.warned.has(key) || this.warned.size >= MAX_WARNED) return;
    this.warned.add(key);
    this.logger.warn(unpricedModelWarning(provider, models));
  }
}
