import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { InstrumentCache } from '../metrics/instrument-cache.js';
import { CostAttributes, GenAiAttributes, GenAiMetrics } from '../semconv.js';

// Bucket boundaries advised by the OTel GenAI metric conventions.
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const SECONDS_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
/** Distinct model names used as metric labels; later ones are reported as `_OTHER` to keep series bounded. */
const MAX_MODEL_LABELS = 200;
/** Distinct cost kinds used as metric labels. */
const MAX_KIND_LABELS = 50;

interface Instruments {
  tokens: Histogram;
  duration: Histogram;
  timeToFirstChunk: Histogram;
  cost: Counter;
}

/** One provider call as the metrics see it. */
export interface CallMeasurement {
  provider: string;
  operation: string;
  requestModel: string | undefined;
  responseModel: string | undefined;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  durationS: number;
  timeToFirstChunkS: number | undefined;
  costUsd: number | undefined;
}

/**
 * GenAI client metrics through the global OTel metrics API (no-ops unless the app registers a MeterProvider):
 * token usage, operation duration, time to first chunk, and spend in USD. Labels are low-cardinality only:
 * provider, operation, request/response model (bounded), token type; never user ids.
 */
export class CostMetrics {
  private readonly instruments = new InstrumentCache(createInstruments);
  private readonly models = new Set<string>();
  private readonly kinds = new Set<string>();

  record(m: CallMeasurement): void {
    const i = this.instruments.get();
    // No MeterProvider registered: the instruments are no-ops, so skip building their attribute sets.
    if (!i) return;
    const attributes: Attributes = {
      [GenAiAttributes.OPERATION_NAME]: m.operation,
      [GenAiAttributes.PROVIDER_NAME]: m.provider,
    };
    if (m.requestModel) attributes[GenAiAttributes.REQUEST_MODEL] = this.label(m.requestModel);
    if (m.responseModel) attributes[GenAiAttributes.RESPONSE_MODEL] = this.label(m.responseModel);
    if (m.inputTokens !== undefined) i.tokens.record(m.inputTokens, { ...attributes, [GenAiAttributes.TOKEN_TYPE]: 'input' });
    if (m.outputTokens !== undefined) i.tokens.record(m.outputTokens, { ...attributes, [GenAiAttributes.TOKEN_TYPE]: 'output' });
    i.duration.record(m.durationS, attributes);
    if (m.timeToFirstChunkS !== undefined) i.timeToFirstChunk.record(m.timeToFirstChunkS, attributes);
    if (m.costUsd !== undefined) i.cost.add(m.costUsd, attributes);
  }

  /** A cost that is not tokens, on the cost counter with its `cost.kind` (and the provider when inside a call). */
  recordCost(usd: number, kind: string, provider: string | undefined): void {
    const i = this.instruments.get();
    if (!i) return;
    const attributes: Attributes = { [CostAttributes.KIND]: this.kindLabel(kind) };
    if (provider) attributes[GenAiAttributes.PROVIDER_NAME] = provider;
    i.cost.add(usd, attributes);
  }

  private kindLabel(kind: string): string {
    if (this.kinds.has(kind)) return kind;
    if (this.kinds.size >= MAX_KIND_LABELS) return '_OTHER';
    this.kinds.add(kind);
    return kind;
  }

  private label(model: string): string {
    if (this.models.has(model)) return model;
    if (this.models.size >= MAX_MODEL_LABELS) return '_OTHER';
    this.models.add(model);
    return model;
  }
}

function createInstruments(meter: Meter): Instruments {
  return {
    tokens: meter.createHistogram(GenAiMetrics.TOKEN_USAGE, {
      description: 'Number of input and output tokens used per GenAI call',
      unit: '{token}',
      advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
    }),
    duration: meter.createHistogram(GenAiMetrics.OPERATION_DURATION, {
      description: 'Duration of GenAI client calls',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    }),
    timeToFirstChunk: meter.createHistogram(GenAiMetrics.TIME_TO_FIRST_CHUNK, {
      description: 'Time from the start of a streamed GenAI call to its first chunk',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    }),
    cost: meter.createCounter(GenAiMetrics.COST, {
      description: 'Cost of priced GenAI client calls, and of costs that are not tokens (cost.kind), in USD (nestjs-ai-tracing)',
      unit: 'USD',
    }),
  };
}
