import { conventionsInForce, getRuntime } from '../core/runtime.js';
import { reportOnce, safeExecute } from '../core/safe-execute.js';
import { markError, type SpanOutcome } from '../core/span-lifecycle.js';
import type { SpanScope } from '../core/span-scope.js';
import { OpenInferenceAttributes } from '../semconv.js';
import { boundMessages, boundParts } from './bounded-messages.js';
import { AttributeBatch } from './conventions/attribute-batch.js';
import type { ProviderCallEnd } from './conventions/convention.js';
import { ProviderCall, type RequestParameters } from './provider-call.js';
import { categoryOfStatus, classifyFailure } from './provider-errors.js';
import { readRequestContent, readRequestParameters } from './request-readers.js';
import { readResponse } from './response-readers.js';
import { StreamAssembler } from './stream-assembler.js';
import { readStreamChunk } from './stream-chunk-readers.js';

/**
 * The description of a provider call about to start: parameters always (a pass over the request's own keys),
 * the request and its messages only when content is captured or an evaluator looks at provider spans.
 */
export function startProviderCall(
  provider: string,
  operation: string,
  model: string | undefined,
  stream: boolean,
  request: unknown,
  captureContent: boolean,
): ProviderCall {
  const keep = captureContent || (getRuntime().evaluations?.wants('provider') ?? false);
  // try/catch rather than `safeExecute`: no closure on every call.
  let parameters: RequestParameters | undefined;
  try {
    parameters = readRequestParameters(request);
  } catch (error) {
    reportOnce('request parameters', error);
  }
  const input = keep ? safeExecute('request content', () => readRequestContent(request, operation)) : undefined;
  return new ProviderCall(provider, operation, model, stream, parameters, keep, keep ? request : undefined, input, captureContent);
}

/** The call returned (not a stream): response id, finish reasons and, when kept, what the model answered. */
export function readProviderResult(scope: SpanScope, value: unknown): void {
  const call = scope.call;
  if (!call) return;
  const read = safeExecute('response reading', () => readResponse(value, call.keepsContent));
  if (read?.id) call.responseId = read.id;
  if (read?.finishReasons) call.finishReasons = read.finishReasons;
  if (read?.output) call.output = read.output;
  if (call.keepsContent) call.result = value;
}

/** One stream item: id and finish reasons always; the content deltas when content is kept. */
export function readProviderChunk(scope: SpanScope, chunk: unknown): void {
  const call = scope.call;
  if (!call) return;
  if (call.keepsContent && !call.assembler) call.assembler = new StreamAssembler(getRuntime().maxContentLength);
  readStreamChunk(chunk, call);
}

/** The call threw: the usual error recording, plus what kind of failure it was and the provider's code. */
export function providerFailed(scope: SpanScope, error: unknown): void {
  markError(scope, error);
  const call = scope.call;
  if (!call) return;
  const failure = safeExecute('failure classification', () => classifyFailure(error));
  if (failure) {
    failure.status ??= call.httpStatus;
    failure.code ??= call.errorCode;
    call.failure = failure;
  } else if (call.httpStatus !== undefined && call.httpStatus >= 400) {
    call.failure = { category: categoryOfStatus(call.httpStatus), status: call.httpStatus, code: call.errorCode };
  }
}

/**
 * The span is ending: usage and cost (through the recorder), then every convention's response, content and
 * failure attributes, set in one call. Content is bounded once and shared by the conventions; a stream's
 * assembled output also becomes `output.value`, as a streamed call has no result object.
 */
export function endProviderCall(scope: SpanScope, outcome: SpanOutcome): void {
  const call = scope.call;
  if (!call) return;
  const captureContent = call.captureContent;
  const runtime = getRuntime();
  if (outcome === 'cancelled') call.failure ??= { category: 'cancelled' };
  if (call.assembler && !call.output) call.output = call.assembler.messages(call.finishReasons, outcome === 'ok' ? '' : outcome);
  const out = new AttributeBatch();
  const streamed = call.stream || scope.chunkCount > 0;
  const recorder = runtime.recorder;
  // A successful call without readable usage still counts, as unpriced, so ancestors' totals show
  // (cost.unpriced_calls) that they are incomplete. A failed call without usage cost nothing.
  if (recorder && (scope.usage || outcome === 'ok')) {
    recorder.record(scope, { provider: call.provider, operation: call.operation, requestModel: call.requestModel, stream: streamed, durationMs: performance.now() - scope.startedAt }, out);
  }
  const end: ProviderCallEnd = {
    scope,
    call,
    outcome,
    input: undefined,
    systemInstructions: undefined,
    output: undefined,
    firstChunkEpochMs: streamed && scope.firstChunkAt !== undefined ? performance.timeOrigin + scope.firstChunkAt : undefined,
  };
  if (captureContent) {
    const max = runtime.maxContentLength;
    const secret = runtime.isSecretKey;
    safeExecute('content bounding', () => {
      if (call.input) {
        end.input = boundMessages(call.input.messages, max, secret);
        if (call.input.systemInstructions) end.systemInstructions = boundParts(call.input.systemInstructions, max, secret);
      }
      if (call.output) end.output = boundMessages(call.output, max, secret);
    });
  }
  conventionsInForce(runtime).providerEnd(out, end);
  if (end.output && call.result === undefined) {
    out.set(OpenInferenceAttributes.OUTPUT_VALUE, JSON.stringify(end.output));
    out.set(OpenInferenceAttributes.OUTPUT_MIME_TYPE, 'application/json');
  }
  out.applyTo(scope.span);
}
