import { SpanKind } from '@opentelemetry/api';
import { usageFromChunk, usageFromResult } from '../cost/usage-extractor.js';
import { getRuntime } from '../core/runtime.js';
import { safeExecute } from '../core/safe-execute.js';
import type { SpanOutcome } from '../core/span-engine.js';
import type { SpanScope, TokenUsage } from '../core/span-scope.js';
import { GenAiAttributes, GenAiOperations, OpenInferenceAttributes } from '../semconv.js';
import { resolveValue, withCommonAttributes, type CommonTraceOptions, type ValueOrExtractor } from './decorator-options.js';
import { traceMethod } from './trace-method.js';

/** Options of `@TraceProvider`. */
export interface TraceProviderOptions extends CommonTraceOptions {
  /** Provider name (`gen_ai.provider.name`): `openai`, `anthropic`, `azure.ai.openai`, `gcp.gemini`... */
  provider: ValueOrExtractor<string>;
  /** Requested model (`gen_ai.request.model`). @default the first argument's `model` string */
  model?: ValueOrExtractor<string>;
  /** Operation (`gen_ai.operation.name`): `chat`, `text_completion`, `embeddings`, `generate_content`... @default 'chat' */
  operation?: string;
  /** Reads token usage from the method's result when the built-in readers don't know its shape. */
  usage?: (result: unknown) => TokenUsage | undefined;
}

/**
 * Traces an LLM provider call: span `{operation} {model}` (CLIENT) with the GenAI request attributes at start
 * and, at the end, response model, token usage and cost (read from OpenAI, Anthropic, Gemini and Vercel AI SDK
 * results and stream chunks, or from the `usage` option or `TracingService.recordUsage`). Streams end the
 * span when fully consumed, with time to first chunk.
 * @example
 * @TraceProvider({ provider: 'openai' })
 * complete(request: ChatCompletionCreateParams) { return this.client.chat.completions.create(request); }
 */
export function TraceProvider(options: TraceProviderOptions): MethodDecorator {
  return traceMethod(({ className, methodName }) => {
    const label = `@TraceProvider(${className}.${methodName})`;
    const operation = options.operation ?? GenAiOperations.CHAT;
    const onResult = (scope: SpanScope, value: unknown) => {
      if (scope.usageRecordedByUser) return;
      if (options.usage) {
        const reader = options.usage;
        scope.usage = safeExecute(`${label} usage reader`, () => reader(value)) ?? scope.usage;
        scope.responseModel ??= usageFromResult(value).responseModel;
        return;
      }
      const read = usageFromResult(value);
      scope.usage = read.usage ?? scope.usage;
      scope.responseModel = read.responseModel ?? scope.responseModel;
    };
    const onChunk = (scope: SpanScope, chunk: unknown) => {
      if (scope.usageRecordedByUser) return;
      const read = usageFromChunk(chunk, scope.usage);
      scope.usage = read.usage ?? scope.usage;
      scope.responseModel = read.responseModel ?? scope.responseModel;
    };
    return (args) => {
      const provider = resolveValue(options.provider, args, label, 'provider extractor') ?? 'unknown';
      const model = resolveValue(options.model, args, label, 'model extractor') ?? modelOf(args[0]);
      const stream = streamFlag(args[0]);
      const onEnd = (scope: SpanScope, outcome: SpanOutcome) => {
        if (scope.responseModel) scope.span.setAttribute(GenAiAttributes.RESPONSE_MODEL, scope.responseModel);
        const recorder = getRuntime().recorder;
        // A successful call without readable usage still counts, as unpriced, so ancestors' totals show
        // (cost.unpriced_calls) that they are incomplete. A failed call without usage cost nothing.
        if (!recorder || (!scope.usage && outcome !== 'ok')) return;
        recorder.record(scope, {
          provider,
          operation,
          requestModel: model,
          stream: stream || scope.chunkCount > 0,
          durationMs: performance.now() - scope.startedAt,
        });
      };
      return {
        name: model ? `${operation} ${model}` : operation,
        role: 'provider',
        kind: SpanKind.CLIENT,
        attributes: withCommonAttributes(options, args, {
          [GenAiAttributes.OPERATION_NAME]: operation,
          [GenAiAttributes.PROVIDER_NAME]: provider,
          [GenAiAttributes.REQUEST_MODEL]: model,
          [GenAiAttributes.REQUEST_STREAM]: stream || undefined,
          [OpenInferenceAttributes.LLM_PROVIDER]: provider,
          [OpenInferenceAttributes.LLM_MODEL_NAME]: model,
        }, label),
        captureContent: options.captureContent,
        input: () => args,
        onResult,
        onChunk,
        onEnd,
      };
    };
  });
}

function modelOf(request: unknown): string | undefined {
  const model = (request as { model?: unknown } | null | undefined)?.model;
  return typeof model === 'string' && model !== '' ? model : undefined;
}

function streamFlag(request: unknown): boolean {
  return (request as { stream?: unknown } | null | undefined)?.stream === true;
}
