import type { Attributes } from '@opentelemetry/api';
import { GenAiAttributes } from '../../semconv.js';
import type { RequestParameters } from '../provider-call.js';
import type { Convention } from './convention.js';

/** `gen_ai.request.*` names of the request parameters. */
const PARAMETER_NAMES: ReadonlyArray<[keyof RequestParameters, string]> = [
  ['temperature', GenAiAttributes.REQUEST_TEMPERATURE],
  ['maxTokens', GenAiAttributes.REQUEST_MAX_TOKENS],
  ['topP', GenAiAttributes.REQUEST_TOP_P],
  ['topK', GenAiAttributes.REQUEST_TOP_K],
  ['frequencyPenalty', GenAiAttributes.REQUEST_FREQUENCY_PENALTY],
  ['presencePenalty', GenAiAttributes.REQUEST_PRESENCE_PENALTY],
  ['stopSequences', GenAiAttributes.REQUEST_STOP_SEQUENCES],
  ['seed', GenAiAttributes.REQUEST_SEED],
  ['choiceCount', GenAiAttributes.REQUEST_CHOICE_COUNT],
  ['encodingFormats', GenAiAttributes.REQUEST_ENCODING_FORMATS],
];

/**
 * The OpenTelemetry GenAI semantic conventions (client spans, development status): always on. Messages follow
 * the conventions' JSON schemas (`gen-ai-input-messages.json`, `gen-ai-output-messages.json`,
 * `gen-ai-system-instructions.json`, open-telemetry/semantic-conventions, docs/gen-ai, before the move to
 * semantic-conventions-genai) and are recorded only when content capture is on.
 */
export const genAiConvention: Convention = {
  name: 'genai',
  providerStart(out, call, attribution) {
    out[GenAiAttributes.OPERATION_NAME] = call.operation;
    out[GenAiAttributes.PROVIDER_NAME] = call.provider;
    if (call.requestModel) out[GenAiAttributes.REQUEST_MODEL] = call.requestModel;
    if (call.stream) out[GenAiAttributes.REQUEST_STREAM] = true;
    if (call.parameters) parameterAttributes(out, call.parameters);
    // "Application developers that manage conversation history MAY add conversation id": the session is it.
    if (attribution.sessionId !== undefined) out[GenAiAttributes.CONVERSATION_ID] = attribution.sessionId;
  },
  providerEnd(out, { scope, call, input, systemInstructions, output }) {
    if (scope.responseModel) out.set(GenAiAttributes.RESPONSE_MODEL, scope.responseModel);
    if (call.responseId) out.set(GenAiAttributes.RESPONSE_ID, call.responseId);
    if (call.finishReasons && call.finishReasons.length > 0) out.set(GenAiAttributes.RESPONSE_FINISH_REASONS, call.finishReasons);
    if (call.stream || scope.chunkCount > 0) {
      out.set(GenAiAttributes.REQUEST_STREAM, true);
      if (scope.firstChunkAt !== undefined) out.set(GenAiAttributes.RESPONSE_TIME_TO_FIRST_CHUNK, Math.max(0, scope.firstChunkAt - scope.startedAt) / 1000);
    }
    if (input && input.length > 0) out.set(GenAiAttributes.INPUT_MESSAGES, JSON.stringify(input));
    if (systemInstructions && systemInstructions.length > 0) out.set(GenAiAttributes.SYSTEM_INSTRUCTIONS, JSON.stringify(systemInstructions));
    if (output && output.length > 0) out.set(GenAiAttributes.OUTPUT_MESSAGES, JSON.stringify(output));
  },
  usage(out, usage, reported) {
    out.set(GenAiAttributes.USAGE_INPUT_TOKENS, usage.inputTokens);
    out.set(GenAiAttributes.USAGE_OUTPUT_TOKENS, usage.outputTokens);
    if (reported.cacheReadTokens !== undefined) out.set(GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheReadTokens);
    if (reported.cacheWriteTokens !== undefined) out.set(GenAiAttributes.USAGE_CACHE_CREATION_INPUT_TOKENS, usage.cacheWriteTokens);
    if (reported.reasoningTokens !== undefined) out.set(GenAiAttributes.USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningTokens);
  },
};

function parameterAttributes(out: Attributes, parameters: RequestParameters): void {
  for (const [key, name] of PARAMETER_NAMES) {
    const value = parameters[key];
    if (value !== undefined) out[name] = value;
  }
}
