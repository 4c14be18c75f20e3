import type { StreamAssembler } from './stream-assembler.js';

/**
 * One part of a message, in the shape of the OpenTelemetry GenAI conventions' JSON schemas
 * (`gen-ai-input-messages.json`, `gen-ai-output-messages.json`): text, a tool call the model asked for, a tool
 * result sent back, reasoning, or media by URI or inline.
 */
export type MessagePart =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id?: string; name: string; arguments?: unknown }
  | { type: 'tool_call_response'; id?: string; response: unknown }
  | { type: 'reasoning'; content: string }
  | { type: 'uri'; modality: string; uri: string; mime_type?: string }
  | { type: 'blob'; modality: string; content: string; mime_type?: string };

/** A message sent to the model (`gen_ai.input.messages` item). */
export interface ChatMessage {
  /** `system`, `user`, `assistant`, `tool` (provider roles such as Gemini's `model` are mapped). */
  role: string;
  parts: MessagePart[];
  name?: string;
}

/** A message the model answered with (`gen_ai.output.messages` item): one choice or candidate. */
export interface OutputMessage extends ChatMessage {
  /** The provider's own value (`stop`, `tool_calls`, `end_turn`, `STOP`...), as the GenAI instrumentations record it. */
  finish_reason: string;
}

/** Sampling and length settings of a request, under neutral names (`gen_ai.request.*`). */
export interface RequestParameters {
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  topK?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  stopSequences?: string[];
  seed?: number;
  choiceCount?: number;
  encodingFormats?: string[];
}

/** What the request said, read only when content is captured (or an evaluator needs it). */
export interface RequestContent {
  messages: ChatMessage[];
  /** System prompt given apart from the messages (Anthropic `system`, Gemini `systemInstruction`, Bedrock `system`). */
  systemInstructions?: MessagePart[];
}

/** Why a provider call failed, in a low-cardinality category, with the provider's own code when known. */
export type ProviderErrorCategory = 'rate_limited' | 'timeout' | 'server_error' | 'client_error' | 'network' | 'cancelled';

/** A failed provider call, as told by the SDK's error or the HTTP answer. */
export interface ProviderFailure {
  category: ProviderErrorCategory;
  /** HTTP status of the answer, when there was one. */
  status?: number;
  /** The provider's code from the error body (`insufficient_quota`, `rate_limit_exceeded`, `overloaded_error`). */
  code?: string;
}

/**
 * One provider call as this library describes it, whatever the SDK: the request (parameters always, messages when
 * content is captured), the response (id, finish reasons, output messages), the HTTP attempts seen by the traced
 * `fetch` and the failure. Token usage, the response model and timing stay on the span's scope (`SpanScope`),
 * where the cost recorder reads them. Each backend convention (`conventions/`) maps this one description to its
 * attributes.
 */
export class ProviderCall {
  /** Response id (`chatcmpl-...`, `msg_...`). */
  responseId: string | undefined;
  /** One per choice/candidate, in order. */
  finishReasons: string[] | undefined;
  /** What the model answered, when content is captured: read from the result, or assembled from the stream. */
  output: OutputMessage[] | undefined;
  /** Assembles streamed output; present while a stream is read with content captured. */
  assembler: StreamAssembler | undefined;
  /** HTTP attempts made for this call (through the traced `fetch`). */
  attempts = 0;
  serverAddress: string | undefined;
  serverPort: number | undefined;
  /** Status of the last HTTP answer seen for this call (through the traced `fetch`). */
  httpStatus: number | undefined;
  /** Provider error code read from the last error body (through the traced `fetch`). */
  errorCode: string | undefined;
  failure: ProviderFailure | undefined;
  /** The result as returned by the provider (non-streamed calls), kept for content capture and evaluators. */
  result: unknown;

  constructor(
    readonly provider: string,
    readonly operation: string,
    readonly requestModel: string | undefined,
    readonly stream: boolean,
    readonly parameters: RequestParameters | undefined,
    /** Whether content is read (content capture on, or an evaluator looks at provider spans). */
    readonly keepsContent: boolean,
    /** The request as given, kept only when content is captured or evaluators run. */
    readonly request: unknown,
    readonly input: RequestContent | undefined,
    /** Whether the conversation is recorded on the span (content capture for this call). */
    readonly captureContent: boolean = keepsContent,
  ) {}
}
