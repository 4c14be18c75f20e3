import { Inject, Injectable } from '@nestjs/common';
import type { Attributes } from '@opentelemetry/api';
import type { ProviderCallInfo, ProviderCallRecorder } from '../core/runtime.js';
import type { SpanScope, TokenUsage } from '../core/span-scope.js';
import { CostAttributes, GenAiAttributes, OpenInferenceAttributes } from '../semconv.js';
import { TRACING_CONFIG } from '../tracing.constants.js';
import { unpricedNoUsage } from '../tracing.messages.js';
import { CostMetrics } from './cost.metrics.js';
import { CostService, type CostConfig } from './cost.service.js';
import type { CostResult } from './cost.types.js';
import { sanitizeUsage } from './price-rates.js';

/**
 * Turns a finished `@TraceProvider` call into telemetry: token attributes (GenAI and OpenInference names),
 * stream timing, price and cost attributes, the rollup to every ancestor span, the cost report and metrics.
 *
 * With `costTracking: false` only the facts stay: token and stream attributes and the token/duration
 * metrics. Nothing is priced, nothing rolls up (ancestors would otherwise show a misleading
 * `cost.total_usd` of 0), nothing reaches the report or forecasts.
 */
@Injectable()
export class ProviderCallCostRecorder implements ProviderCallRecorder {
  private readonly costTracking: boolean;
  private readonly metrics = new CostMetrics();

  constructor(
    @Inject(TRACING_CONFIG) config: CostConfig,
    private readonly costs: CostService,
  ) {
    this.costTracking = config.costTracking;
  }

  /** Called at the end of a provider span; `scope.usage` may be unset (the call then counts as unpriced). */
  record(scope: SpanScope, call: ProviderCallInfo): void {
    const raw = scope.usage;
    const usage = raw ? sanitizeUsage(raw) : undefined;
    const responseModel = scope.responseModel;
    const attributes: Attributes = usage && raw ? usageAttributes(usage, raw) : {};
    if (responseModel) attributes[GenAiAttributes.RESPONSE_MODEL] = responseModel;
    const timeToFirstChunkS =
      call.stream && scope.firstChunkAt !== undefined ? Math.max(0, scope.firstChunkAt - scope.startedAt) / 1000 : undefined;
    if (call.stream) attributes[GenAiAttributes.REQUEST_STREAM] = true;
    if (timeToFirstChunkS !== undefined) attributes[GenAiAttributes.RESPONSE_TIME_TO_FIRST_CHUNK] = timeToFirstChunkS;

    let cost: CostResult | undefined;
    if (this.costTracking) {
      cost = usage
        ? this.costs.calculate(usage, {
            provider: call.provider,
            model: responseModel ?? call.requestModel ?? '',
            fallbackModel: call.requestModel,
          })
        : { priced: false, reason: unpricedNoUsage() };
      Object.assign(attributes, costAttributes(cost, usage));
      const perSecond = usage ? outputTokensPerSecond(usage.outputTokens, scope, call) : undefined;
      if (perSecond !== undefined) attributes[CostAttributes.OUTPUT_TOKENS_PER_SECOND] = perSecond;
    }
    scope.span.setAttributes(attributes);

    const costUsd = cost?.priced ? cost.totalUsd : undefined;
    if (this.costTracking) {
      const inputTokens = usage?.inputTokens ?? 0;
      const outputTokens = usage?.outputTokens ?? 0;
      scope.rollUp({ costUsd, inputTokens, outputTokens });
      const a = scope.attribution;
      this.costs.recordCall({
        userId: a.userId,
        tenantId: a.tenantId,
        workflow: a.workflowName ?? a.workflowId,
        provider: call.provider,
        model: responseModel ?? call.requestModel,
        costUsd,
        inputTokens,
        outputTokens,
      });
    }
    this.metrics.record({
      provider: call.provider,
      operation: call.operation,
      requestModel: call.requestModel,
      responseModel,
      inputTokens: usage?.inputTokens,
      outputTokens: usage?.outputTokens,
      durationS: call.durationMs / 1000,
      timeToFirstChunkS,
      costUsd,
    });
  }

  /** A `@TraceWorkflow` span ended: its rolled-up cost is one run for `CostService.forecast`. */
  recordWorkflowRun(workflowName: string, scope: SpanScope): void {
    if (!this.costTracking) return;
    const t = scope.totals;
    this.costs.recordWorkflowRun(workflowName, t.unpricedCalls > 0 ? undefined : t.costUsd);
  }
}

/** GenAI and OpenInference token attributes; optional counts only when the provider reported them. */
function usageAttributes(usage: Required<TokenUsage>, reported: TokenUsage): Attributes {
  const a: Attributes = {
    [GenAiAttributes.USAGE_INPUT_TOKENS]: usage.inputTokens,
    [GenAiAttributes.USAGE_OUTPUT_TOKENS]: usage.outputTokens,
    [OpenInferenceAttributes.LLM_TOKEN_COUNT_PROMPT]: usage.inputTokens,
    [OpenInferenceAttributes.LLM_TOKEN_COUNT_COMPLETION]: usage.outputTokens,
    [OpenInferenceAttributes.LLM_TOKEN_COUNT_TOTAL]: usage.inputTokens + usage.outputTokens,
  };
  if (reported.cacheReadTokens !== undefined) {
    a[GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS] = usage.cacheReadTokens;
    a[OpenInferenceAttributes.LLM_TOKEN_COUNT_PROMPT_CACHE_READ] = usage.cacheReadTokens;
  }
  if (reported.cacheWriteTokens !== undefined) {
    a[GenAiAttributes.USAGE_CACHE_CREATION_INPUT_TOKENS] = usage.cacheWriteTokens;
    a[OpenInferenceAttributes.LLM_TOKEN_COUNT_PROMPT_CACHE_WRITE] = usage.cacheWriteTokens;
  }
  if (reported.reasoningTokens !== undefined) {
    a[GenAiAttributes.USAGE_REASONING_OUTPUT_TOKENS] = usage.reasoningTokens;
    a[OpenInferenceAttributes.LLM_TOKEN_COUNT_COMPLETION_REASONING] = usage.reasoningTokens;
  }
  return a;
}

function costAttributes(cost: CostResult, usage: Required<TokenUsage> | undefined): Attributes {
  if (!cost.priced) return { [CostAttributes.PRICED]: false, [CostAttributes.UNPRICED_REASON]: cost.reason };
  const a: Attributes = {
    [GenAiAttributes.USAGE_COST]: cost.totalUsd,
    [OpenInferenceAttributes.LLM_COST_PROMPT]: cost.inputUsd,
    [OpenInferenceAttributes.LLM_COST_COMPLETION]: cost.outputUsd,
    [OpenInferenceAttributes.LLM_COST_TOTAL]: cost.totalUsd,
    [CostAttributes.USD]: cost.totalUsd,
    [CostAttributes.CURRENCY]: 'USD',
    [CostAttributes.PRICED]: true,
    [CostAttributes.SOURCE]: cost.source,
  };
  const tokens = usage ? usage.inputTokens + usage.outputTokens : 0;
  if (tokens > 0) a[CostAttributes.USD_PER_1K_TOKENS] = (cost.totalUsd * 1000) / tokens;
  return a;
}

/**
 * Output speed: for a stream, output tokens over the time after the first chunk (generation, not queueing);
 * otherwise over the whole call.
 */
function outputTokensPerSecond(outputTokens: number, scope: SpanScope, call: ProviderCallInfo): number | undefined {
  if (outputTokens <= 0) return undefined;
  const endedAt = scope.startedAt + call.durationMs;
  const from = call.stream && scope.firstChunkAt !== undefined && endedAt > scope.firstChunkAt ? scope.firstChunkAt : scope.startedAt;
  const seconds = (endedAt - from) / 1000;
  return seconds > 0 ? outputTokens / seconds : undefined;
}
