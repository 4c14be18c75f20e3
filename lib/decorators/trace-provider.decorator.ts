import { SpanKind } from '@opentelemetry/api';
import { usageFromChunk, usageFromResult } from '../cost/usage-extractor.js';
import { conventionsInForce, getRuntime } from '../core/runtime.js';
import { safeExecute } from '../core/safe-execute.js';
import { getAttribution, type SpanScope, type TokenUsage } from '../core/span-scope.js';
import { endProviderCall, providerFailed, readProviderChunk, readProviderResult, startProviderCall } from '../genai/provider-call.hooks.js';
import { GenAiOperations } from '../semconv.js';
import { commonAttributes, resolveValue, type CommonTraceOptions, type ValueOrExtractor } from './decorator-options.js';
import { traceMethod } from './trace-method.js';

/** Options of `@TraceProvider`. */
export interface TraceProviderOptions extends CommonTraceOptions {
  /** Provider name (`gen_ai.provider.name`): `openai`, `anthropic`, `azure.ai.openai`, `gcp.gemini`... */
  provider: ValueOrExtractor<string>;
  /** Requested model (`gen_ai.request.model`). @default the request's `model` string */
  model?: ValueOrExtractor<string>;
  /**
   * Operation (`gen_ai.operation.name`): `chat`, `text_completion`, `generate_content`, `embeddings`,
   * `retrieval`, `rerank`... Embeddings, retrieval and rerank are typed as such for Phoenix and Langfuse.
   * @default 'chat'
   */
  operation?: string;
  /**
   * The request among the method's arguments: what parameters and messages are read from and what
   * `input.value` records. @default the first argument
   */
  request?: (...args: never[]) => unknown;
  /** Reads token usage from the method's result when the built-in readers don't know its shape. */
  usage?: (result: unknown) => TokenUsage | undefined;
}

/**
 * Traces an LLM provider call: span `{operation} {model}` (CLIENT) with the request's model and parameters at
 * start and, at the end, response model, id, finish reasons, token usage and cost (read from OpenAI, Anthropic,
 * Gemini, Vercel AI SDK, Bedrock and Ollama results and stream chunks, or from the `usage` option or
 * `TracingService.recordUsage`). With content capture, the conversation in the GenAI and OpenInference forms,
 * streamed output assembled from the chunks. Streams end the span when consumed or abandoned, with time to
 * first chunk.
 * @example
 * @TraceProvider({ provider: 'openai' })
 * complete(request: ChatCompletionCreateParams) { return this.client.chat.completions.create(request); }
 */
export function TraceProvider(options: TraceProviderOptions): MethodDecorator {
  return traceMethod(({ className, methodName }) => {
    const label = `@TraceProvider(${className}.${methodName})`;
    const operation = options.operation ?? GenAiOperations.CHAT;
    const onResult = (scope: SpanScope, value: unknown) => {
      readProviderResult(scope, value);
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
      readProviderChunk(scope, chunk);
      if (scope.usageRecordedByUser) return;
      const read = usageFromChunk(chunk, scope.usage);
      scope.usage = read.usage ?? scope.usage;
      scope.responseModel = read.responseModel ?? scope.responseModel;
    };
    return (args, _self, active) => {
      const request = options.request ? resolveValue(options.request as (...a: unknown[]) => unknown, args, label, 'request extractor') : args[0];
      const provider = resolveValue(options.provider, args, label, 'provider extractor') ?? 'unknown';
      const model = resolveValue(options.model, args, label, 'model extractor') ?? modelOf(request);
      const captureContent = options.captureContent ?? getRuntime().captureContent;
      const call = startProviderCall(provider, operation, model, streamFlag(request), request, captureContent);
      const attributes = commonAttributes(options, args, label);
      conventionsInForce().providerStart(attributes, call, getAttribution(active));
      return {
        name: model ? `${operation} ${model}` : operation,
        role: 'provider',
        kind: SpanKind.CLIENT,
        attributes,
        captureContent: options.captureContent,
        input: request,
        call,
        onResult,
        onChunk,
        onError: providerFailed,
        onEnd: endProviderCall,
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
