import { Inject, Injectable } from '@nestjs/common';
import type { ProviderCallInfo, ProviderCallRecorder } from '../core/runtime.js';
import { getAttribution, type SpanScope } from '../core/span-scope.js';
import { context, TraceFlags } from '@opentelemetry/api';
import { conventionsInForce } from '../core/runtime.js';
import { AttributeBatch } from '../genai/conventions/attribute-batch.js';
import { CostAttributes, GenAiAttributes } from '../semconv.js';
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

  /**
   * Called at the end of a provider span; `scope.usage` may be unset (the call then counts as unpriced). The
   * usage and cost attributes go into `out` when given (the caller sets them with the rest), else onto the span.
   */
  record(scope: SpanScope, call: ProviderCallInfo, out?: AttributeBatch): void {
    const conventions = conventionsInForce();
    const raw = scope.usage;
    const usage = raw ? sanitizeUsage(raw) : undefined;
    const responseModel = scope.responseModel;
    const attributes = out ?? new AttributeBatch();
    if (usage && raw) conventions.usage(attributes, usage, raw);
    const timeToFirstChunkS =
      call.stream && scope.firstChunkAt !== undefined ? Math.max(0, scope.firstChunkAt - scope.startedAt) / 1000 : undefined;
    if (!out) {
      // Called on its own (not from `@TraceProvider`, whose conventions write these with the rest of the response).
      if (responseModel) attributes.set(GenAiAttributes.RESPONSE_MODEL, responseModel);
      if (call.stream) attributes.set(GenAiAttributes.REQUEST_STREAM, true);
      if (timeToFirstChunkS !== undefined) attributes.set(GenAiAttributes.RESPONSE_TIME_TO_FIRST_CHUNK, timeToFirstChunkS);
    }

    let cost: CostResult | undefined;
    if (this.costTracking) {
      cost = usage
        ? this.costs.price(usage, call.provider, responseModel ?? call.requestModel, call.requestModel)
        : { priced: false, reason: unpricedNoUsage() };
      conventions.cost(attributes, cost, usage, scope.nonTokenUsd);
      const perSecond = usage ? outputTokensPerSecond(usage.outputTokens, scope, call) : undefined;
      if (perSecond !== undefined) attributes.set(CostAttributes.OUTPUT_TOKENS_PER_SECOND, perSecond);
    }
    if (!out) attributes.applyTo(scope.span);

    const costUsd = cost?.priced ? cost.totalUsd : undefined;
    if (this.costTracking) {
      const inputTokens = usage?.inputTokens ?? 0;
      const outputTokens = usage?.outputTokens ?? 0;
      scope.rollUp({ costUsd, inputTokens, outputTokens });
      const a = scope.attribution;
      const spanContext = scope.span.spanContext();
      this.costs.recordCall({
        at: new Date(Date.now() - call.durationMs),
        traceId: spanContext.traceId,
        spanId: spanContext.spanId,
        sampled: (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0,
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

  /**
   * A cost that is not tokens is being recorded on `scope` (`TracingService.recordCost`): into the cost report
   * under the scope's attribution and provider, and the cost metric. False when cost tracking is off.
   */
  recordNonTokenCost(scope: SpanScope | undefined, usd: number, kind: string): boolean {
    if (!this.costTracking) return false;
    const a = scope?.attribution ?? getAttribution(context.active());
    const call = scope?.closest('provider')?.call;
    const spanContext = scope?.span.spanContext();
    this.costs.recordCost({
      traceId: spanContext?.traceId,
      spanId: spanContext?.spanId,
      sampled: spanContext ? (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0 : undefined,
      userId: a.userId,
      tenantId: a.tenantId,
      workflow: a.workflowName ?? a.workflowId,
      provider: call?.provider,
      model: call?.requestModel,
      kind,
      usd,
    });
    this.metrics.recordCost(usd, kind, call?.provider);
    return true;
  }

  /** A `@TraceWorkflow` span ended: its rolled-up cost is one run for `CostService.forecast`. */
  recordWorkflowRun(workflowName: string, scope: SpanScope): void {
    if (!this.costTracking) return;
    const t = scope.totals;
    this.costs.recordWorkflowRun(workflowName, t.unpricedCalls > 0 ? undefined : t.costUsd);
  }
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
