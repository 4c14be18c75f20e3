import type { SpanRole } from '../../core/span-scope.js';
import { GenAiOperations, OpenInferenceAttributes, type OpenInferenceSpanKind } from '../../semconv.js';
import type { ChatMessage, MessagePart, RequestParameters } from '../provider-call.js';
import { openInferenceProvider } from '../provider-names.js';
import type { AttributeBatch } from './attribute-batch.js';
import type { Convention } from './convention.js';

const ROLE_KINDS: Record<SpanRole, OpenInferenceSpanKind | undefined> = {
  workflow: 'CHAIN',
  node: 'CHAIN',
  provider: 'LLM',
  agent_task: 'AGENT',
  agent_step: 'CHAIN',
  tool: 'TOOL',
  http: 'CHAIN',
  websocket: 'CHAIN',
  queue: 'CHAIN',
  rpc: 'CHAIN',
  event: 'CHAIN',
  http_client: undefined,
  manual: undefined,
};

/** Provider operations that are not LLM calls for OpenInference (and so for Phoenix and Langfuse's typing). */
const OPERATION_KINDS: Readonly<Record<string, OpenInferenceSpanKind>> = {
  [GenAiOperations.EMBEDDINGS]: 'EMBEDDING',
  [GenAiOperations.RETRIEVAL]: 'RETRIEVER',
  [GenAiOperations.RERANK]: 'RERANKER',
};

/** `llm.invocation_parameters` keys: the `gen_ai.request.*` suffixes, as OpenInference instrumentations write snake_case. */
const PARAMETER_KEYS: ReadonlyArray<[keyof RequestParameters, string]> = [
  ['temperature', 'temperature'],
  ['maxTokens', 'max_tokens'],
  ['topP', 'top_p'],
  ['topK', 'top_k'],
  ['frequencyPenalty', 'frequency_penalty'],
  ['presencePenalty', 'presence_penalty'],
  ['stopSequences', 'stop_sequences'],
  ['seed', 'seed'],
  ['choiceCount', 'n'],
  ['encodingFormats', 'encoding_formats'],
];

/**
 * OpenInference (Arize Phoenix, Arize AX; Langfuse reads it too), spec in Arize-ai/openinference, spec/.
 * Span kinds per role and per provider operation; `llm.provider`/`llm.system` in OpenInference's values;
 * token counts and prices; with content capture, the conversation flattened as `llm.input_messages.N.message.*`
 * and `llm.output_messages.N.message.*` (the list rule of spec/semantic_conventions.md, read back by Phoenix's
 * `unflatten`, src/phoenix/trace/attributes.py, and its LLM span view, js/app/src/pages/trace/span/utils.ts).
 */
export const openInferenceConvention: Convention = {
  name: 'openinference',
  roleAttributes(role, out) {
    const kind = ROLE_KINDS[role];
    if (kind) out[OpenInferenceAttributes.SPAN_KIND] = kind;
  },
  spanStart(out, span) {
    if (span.tags && span.tags.length > 0) out[OpenInferenceAttributes.TAGS] = [...span.tags];
  },
  providerStart(out, call) {
    const kind = OPERATION_KINDS[call.operation];
    if (kind) out[OpenInferenceAttributes.SPAN_KIND] = kind;
    const names = openInferenceProvider(call.provider, call.requestModel);
    out[OpenInferenceAttributes.LLM_PROVIDER] = names.provider;
    if (names.system) out[OpenInferenceAttributes.LLM_SYSTEM] = names.system;
    if (call.requestModel) {
      out[OpenInferenceAttributes.LLM_MODEL_NAME] = call.requestModel;
      if (kind === 'EMBEDDING') out[OpenInferenceAttributes.EMBEDDING_MODEL_NAME] = call.requestModel;
    }
    if (call.parameters) out[OpenInferenceAttributes.LLM_INVOCATION_PARAMETERS] = invocationParameters(call.parameters);
  },
  providerEnd(out, { scope, input, systemInstructions, output }) {
    // Phoenix prices by `llm.model_name`: the model that answered (a dated snapshot) matches its table best.
    if (scope.responseModel) out.set(OpenInferenceAttributes.LLM_MODEL_NAME, scope.responseModel);
    let index = 0;
    if (systemInstructions && systemInstructions.length > 0) {
      // OpenInference has no separate system prompt: it is the first input message, as its instrumentations record it.
      flattenMessage(out, `${OpenInferenceAttributes.LLM_INPUT_MESSAGES}.${index++}`, { role: 'system', parts: systemInstructions });
    }
    for (const message of input ?? []) flattenMessage(out, `${OpenInferenceAttributes.LLM_INPUT_MESSAGES}.${index++}`, message);
    output?.forEach((message, i) => flattenMessage(out, `${OpenInferenceAttributes.LLM_OUTPUT_MESSAGES}.${i}`, message));
  },
  usage(out, usage, reported) {
    out.set(OpenInferenceAttributes.LLM_TOKEN_COUNT_PROMPT, usage.inputTokens);
    out.set(OpenInferenceAttributes.LLM_TOKEN_COUNT_COMPLETION, usage.outputTokens);
    out.set(OpenInferenceAttributes.LLM_TOKEN_COUNT_TOTAL, usage.inputTokens + usage.outputTokens);
    if (reported.cacheReadTokens !== undefined) out.set(OpenInferenceAttributes.LLM_TOKEN_COUNT_PROMPT_CACHE_READ, usage.cacheReadTokens);
    if (reported.cacheWriteTokens !== undefined) out.set(OpenInferenceAttributes.LLM_TOKEN_COUNT_PROMPT_CACHE_WRITE, usage.cacheWriteTokens);
    if (reported.reasoningTokens !== undefined) out.set(OpenInferenceAttributes.LLM_TOKEN_COUNT_COMPLETION_REASONING, usage.reasoningTokens);
    if (reported.audioInputTokens !== undefined) out.set(OpenInferenceAttributes.LLM_TOKEN_COUNT_PROMPT_AUDIO, usage.audioInputTokens);
    if (reported.audioOutputTokens !== undefined) out.set(OpenInferenceAttributes.LLM_TOKEN_COUNT_COMPLETION_AUDIO, usage.audioOutputTokens);
  },
  cost(out, cost) {
    // Defined by the OpenInference spec; Phoenix does not read them (it prices spans itself from its own table),
    // Langfuse reads `llm.cost.total` when `gen_ai.usage.cost` is absent.
    if (!cost.priced) return;
    out.set(OpenInferenceAttributes.LLM_COST_PROMPT, cost.inputUsd);
    out.set(OpenInferenceAttributes.LLM_COST_COMPLETION, cost.outputUsd);
    out.set(OpenInferenceAttributes.LLM_COST_TOTAL, cost.totalUsd);
  },
};

function invocationParameters(parameters: RequestParameters): string {
  const out: Record<string, unknown> = {};
  for (const [key, name] of PARAMETER_KEYS) if (parameters[key] !== undefined) out[name] = parameters[key];
  return JSON.stringify(out);
}

/**
 * One message under `prefix` (`llm.input_messages.0`): `message.role`; text as `message.content`, or as
 * `message.contents.N.message_content.*` when it mixes text with reasoning or media; tool calls as
 * `message.tool_calls.N.tool_call.{id,function.name,function.arguments}`; a tool result as `message.content`
 * with `message.tool_call_id`.
 */
function flattenMessage(out: AttributeBatch, prefix: string, message: ChatMessage): void {
  out.set(`${prefix}.message.role`, message.role);
  if (message.name) out.set(`${prefix}.message.name`, message.name);
  const mixed = message.parts.some((p) => p.type === 'reasoning' || p.type === 'uri' || p.type === 'blob');
  const texts: string[] = [];
  let content = 0;
  let calls = 0;
  for (const part of message.parts) {
    switch (part.type) {
      case 'text':
        if (mixed) contentPart(out, `${prefix}.message.contents.${content++}.message_content`, 'text', part.content);
        else texts.push(part.content);
        break;
      case 'reasoning':
        contentPart(out, `${prefix}.message.contents.${content++}.message_content`, 'reasoning', part.content);
        break;
      case 'uri':
      case 'blob':
        mediaPart(out, `${prefix}.message.contents.${content++}.message_content`, part);
        break;
      case 'tool_call': {
        const call = `${prefix}.message.tool_calls.${calls++}.tool_call`;
        if (part.id) out.set(`${call}.id`, part.id);
        out.set(`${call}.function.name`, part.name);
        if (part.arguments !== undefined) out.set(`${call}.function.arguments`, typeof part.arguments === 'string' ? part.arguments : JSON.stringify(part.arguments));
        break;
      }
      case 'tool_call_response':
        if (part.id) out.set(`${prefix}.message.tool_call_id`, part.id);
        texts.push(typeof part.response === 'string' ? part.response : JSON.stringify(part.response) ?? '');
        break;
    }
  }
  if (texts.length > 0) out.set(`${prefix}.message.content`, texts.join('\n'));
}

function contentPart(out: AttributeBatch, prefix: string, type: string, content: string): void {
  out.set(`${prefix}.type`, type);
  out.set(`${prefix}.text`, content);
}

function mediaPart(out: AttributeBatch, prefix: string, part: Extract<MessagePart, { type: 'uri' | 'blob' }>): void {
  const url = part.type === 'uri' ? part.uri : `data:${part.mime_type ?? 'application/octet-stream'};base64,${part.content}`;
  if (part.modality === 'image') {
    out.set(`${prefix}.type`, 'image');
    out.set(`${prefix}.image.image.url`, url);
  } else {
    out.set(`${prefix}.type`, part.modality);
    out.set(`${prefix}.text`, part.type === 'uri' ? url : `[${part.modality}]`);
  }
}
