/**
 * Every attribute name this library emits, pinned here.
 *
 * The GenAI names follow the OpenTelemetry GenAI semantic conventions (development status). The npm
 * `@opentelemetry/semantic-conventions` package marks its GenAI constants as incubating/deprecated, so the
 * names are written once here instead of imported. OpenInference (`openinference.span.kind`, `llm.*`,
 * `input.value`) and Traceloop (`traceloop.span.kind`) names are emitted too so Arize Phoenix, Langfuse and
 * Traceloop render the spans without extra mapping.
 */

/** GenAI semantic convention attribute names. */
export const GenAiAttributes = {
  OPERATION_NAME: 'gen_ai.operation.name',
  PROVIDER_NAME: 'gen_ai.provider.name',
  REQUEST_MODEL: 'gen_ai.request.model',
  REQUEST_STREAM: 'gen_ai.request.stream',
  REQUEST_TEMPERATURE: 'gen_ai.request.temperature',
  REQUEST_MAX_TOKENS: 'gen_ai.request.max_tokens',
  REQUEST_TOP_P: 'gen_ai.request.top_p',
  REQUEST_TOP_K: 'gen_ai.request.top_k',
  REQUEST_FREQUENCY_PENALTY: 'gen_ai.request.frequency_penalty',
  REQUEST_PRESENCE_PENALTY: 'gen_ai.request.presence_penalty',
  REQUEST_STOP_SEQUENCES: 'gen_ai.request.stop_sequences',
  REQUEST_SEED: 'gen_ai.request.seed',
  REQUEST_CHOICE_COUNT: 'gen_ai.request.choice.count',
  REQUEST_ENCODING_FORMATS: 'gen_ai.request.encoding_formats',
  RESPONSE_MODEL: 'gen_ai.response.model',
  RESPONSE_ID: 'gen_ai.response.id',
  RESPONSE_FINISH_REASONS: 'gen_ai.response.finish_reasons',
  RESPONSE_TIME_TO_FIRST_CHUNK: 'gen_ai.response.time_to_first_chunk',
  CONVERSATION_ID: 'gen_ai.conversation.id',
  INPUT_MESSAGES: 'gen_ai.input.messages',
  OUTPUT_MESSAGES: 'gen_ai.output.messages',
  SYSTEM_INSTRUCTIONS: 'gen_ai.system_instructions',
  USAGE_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  USAGE_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  USAGE_CACHE_READ_INPUT_TOKENS: 'gen_ai.usage.cache_read.input_tokens',
  USAGE_CACHE_CREATION_INPUT_TOKENS: 'gen_ai.usage.cache_creation.input_tokens',
  USAGE_REASONING_OUTPUT_TOKENS: 'gen_ai.usage.reasoning.output_tokens',
  USAGE_COST: 'gen_ai.usage.cost',
  WORKFLOW_NAME: 'gen_ai.workflow.name',
  AGENT_NAME: 'gen_ai.agent.name',
  TOOL_NAME: 'gen_ai.tool.name',
  TOOL_CALL_ID: 'gen_ai.tool.call.id',
  TOKEN_TYPE: 'gen_ai.token.type',
  EVALUATION_NAME: 'gen_ai.evaluation.name',
  EVALUATION_SCORE_VALUE: 'gen_ai.evaluation.score.value',
  EVALUATION_SCORE_LABEL: 'gen_ai.evaluation.score.label',
  EVALUATION_EXPLANATION: 'gen_ai.evaluation.explanation',
  /**
   * Library marker (not OTel semconv) on every library span: its role (`workflow`, `node`, `provider`, `http`...),
   * whatever conventions are on, so the trace store and the explorer tell roles apart. Being a `gen_ai.*` key, it
   * also makes Langfuse's own span processor (`@langfuse/otel`), whose default filter keeps only spans with a
   * `gen_ai.*` attribute, export HTTP and node spans too.
   */
  SPAN_TYPE: 'gen_ai.span.type',
} as const;

/** Span event names from the GenAI semantic conventions. */
export const GenAiEvents = {
  /** One evaluation result (a score) of the span it is on: `TracingService.score` and evaluators. */
  EVALUATION_RESULT: 'gen_ai.evaluation.result',
} as const;

/** Values of `gen_ai.operation.name` this library sets itself. */
export const GenAiOperations = {
  CHAT: 'chat',
  TEXT_COMPLETION: 'text_completion',
  GENERATE_CONTENT: 'generate_content',
  EMBEDDINGS: 'embeddings',
  RETRIEVAL: 'retrieval',
  /** Not in the GenAI conventions (they have no reranking operation); typed RERANKER for OpenInference. */
  RERANK: 'rerank',
  INVOKE_WORKFLOW: 'invoke_workflow',
  INVOKE_AGENT: 'invoke_agent',
  EXECUTE_TOOL: 'execute_tool',
} as const;

/** Workflow, node and agent attributes (library namespace, not part of OTel semconv). */
export const WorkflowAttributes = {
  WORKFLOW_ID: 'workflow.id',
  JOB_ID: 'workflow.job_id',
  STATUS: 'workflow.status',
  NODE_ID: 'workflow.node.id',
  NODE_TYPE: 'workflow.node.type',
  AGENT_TASK_ID: 'agent.task.id',
  AGENT_STEP_PHASE: 'agent.step.phase',
  AGENT_STEP_ID: 'agent.step.id',
} as const;

/** Attribution attributes carried by every library span created inside an attribution scope. */
export const AttributionAttributes = {
  USER_ID: 'user.id',
  SESSION_ID: 'session.id',
  TENANT_ID: 'tenant.id',
} as const;

/** Cost attributes: per provider call (`cost.usd`...) and rolled up on ancestors (`cost.total_usd`...). */
export const CostAttributes = {
  USD: 'cost.usd',
  CURRENCY: 'cost.currency',
  PRICED: 'cost.priced',
  SOURCE: 'cost.source',
  UNPRICED_REASON: 'cost.unpriced_reason',
  USD_PER_1K_TOKENS: 'cost.usd_per_1k_tokens',
  OUTPUT_TOKENS_PER_SECOND: 'gen_ai.response.output_tokens_per_second',
  TOTAL_USD: 'cost.total_usd',
  INPUT_TOKENS: 'cost.input_tokens',
  OUTPUT_TOKENS: 'cost.output_tokens',
  LLM_CALLS: 'cost.llm_calls',
  UNPRICED_CALLS: 'cost.unpriced_calls',
  /** USD of costs that are not tokens (`TracingService.recordCost`) recorded on this span itself. */
  NON_TOKEN_USD: 'cost.non_token_usd',
  /** On the `cost.recorded` event: what the cost was for (`image`, `audio`, `search`, `tool`...). */
  KIND: 'cost.kind',
  /** On the `cost.recorded` event: free text, e.g. the tool or API called. */
  DESCRIPTION: 'cost.description',
  /** Rolled up: the part of `cost.total_usd` that is not tokens. */
  TOTAL_NON_TOKEN_USD: 'cost.total_non_token_usd',
} as const;

/** Library span events. */
export const CostEvents = {
  /** One `TracingService.recordCost` call: `cost.usd`, `cost.kind`, `cost.description`. */
  COST_RECORDED: 'cost.recorded',
} as const;

/** OpenInference attribute names (Arize Phoenix, Langfuse). */
export const OpenInferenceAttributes = {
  SPAN_KIND: 'openinference.span.kind',
  INPUT_VALUE: 'input.value',
  INPUT_MIME_TYPE: 'input.mime_type',
  OUTPUT_VALUE: 'output.value',
  OUTPUT_MIME_TYPE: 'output.mime_type',
  LLM_MODEL_NAME: 'llm.model_name',
  LLM_PROVIDER: 'llm.provider',
  LLM_SYSTEM: 'llm.system',
  LLM_INVOCATION_PARAMETERS: 'llm.invocation_parameters',
  LLM_INPUT_MESSAGES: 'llm.input_messages',
  LLM_OUTPUT_MESSAGES: 'llm.output_messages',
  LLM_TOKEN_COUNT_PROMPT_AUDIO: 'llm.token_count.prompt_details.audio',
  LLM_TOKEN_COUNT_COMPLETION_AUDIO: 'llm.token_count.completion_details.audio',
  EMBEDDING_MODEL_NAME: 'embedding.model_name',
  TAGS: 'tag.tags',
  LLM_TOKEN_COUNT_PROMPT: 'llm.token_count.prompt',
  LLM_TOKEN_COUNT_COMPLETION: 'llm.token_count.completion',
  LLM_TOKEN_COUNT_TOTAL: 'llm.token_count.total',
  LLM_TOKEN_COUNT_PROMPT_CACHE_READ: 'llm.token_count.prompt_details.cache_read',
  LLM_TOKEN_COUNT_PROMPT_CACHE_WRITE: 'llm.token_count.prompt_details.cache_write',
  LLM_TOKEN_COUNT_COMPLETION_REASONING: 'llm.token_count.completion_details.reasoning',
  LLM_COST_PROMPT: 'llm.cost.prompt',
  LLM_COST_COMPLETION: 'llm.cost.completion',
  LLM_COST_TOTAL: 'llm.cost.total',
  SESSION_ID: 'session.id',
  USER_ID: 'user.id',
} as const;

/** Traceloop (OpenLLMetry) attribute names. */
export const TraceloopAttributes = {
  SPAN_KIND: 'traceloop.span.kind',
  WORKFLOW_NAME: 'traceloop.workflow.name',
  ENTITY_NAME: 'traceloop.entity.name',
  ENTITY_PATH: 'traceloop.entity.path',
  /** Prefix: `traceloop.association.properties.<key>`. */
  ASSOCIATION_PROPERTIES: 'traceloop.association.properties',
} as const;

/** Langfuse attribute names (read by Langfuse's OTLP ingestion). */
export const LangfuseAttributes = {
  OBSERVATION_TYPE: 'langfuse.observation.type',
  COMPLETION_START_TIME: 'langfuse.observation.completion_start_time',
  TRACE_NAME: 'langfuse.trace.name',
  TRACE_INPUT: 'langfuse.trace.input',
  TRACE_OUTPUT: 'langfuse.trace.output',
  TRACE_TAGS: 'langfuse.trace.tags',
} as const;

/**
 * What a provider call's HTTP attempts and failure looked like (library namespace), on the provider span: how
 * many attempts the SDK made (seen through the traced `fetch`), and for a failed call a low-cardinality category
 * and the provider's own error code.
 */
export const ProviderAttributes = {
  ATTEMPTS: 'provider.attempts',
  ERROR_CATEGORY: 'provider.error.category',
  ERROR_CODE: 'provider.error.code',
} as const;

/** HTTP, URL, network and error attributes from the stable OTel semantic conventions. */
export const HttpAttributes = {
  REQUEST_METHOD: 'http.request.method',
  ROUTE: 'http.route',
  RESPONSE_STATUS_CODE: 'http.response.status_code',
  URL_PATH: 'url.path',
  URL_SCHEME: 'url.scheme',
  URL_QUERY: 'url.query',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  CLIENT_ADDRESS: 'client.address',
  USER_AGENT: 'user_agent.original',
  ERROR_TYPE: 'error.type',
  URL_FULL: 'url.full',
  REQUEST_RESEND_COUNT: 'http.request.resend_count',
  /** Prefix: `http.response.header.<lower-cased name>`, a string array. */
  RESPONSE_HEADER: 'http.response.header',
  /** Library (not OTel semconv): an error answer's body on a traced `fetch` attempt, with content capture only. */
  RESPONSE_BODY: 'http.response.body',
} as const;

/** WebSocket message attributes (library namespace). */
export const WebSocketAttributes = {
  EVENT: 'websocket.event',
  DIRECTION: 'websocket.direction',
  MESSAGE_SIZE: 'websocket.message.size',
  CLIENT_ID: 'websocket.client.id',
  NAMESPACE: 'websocket.namespace',
  OUTBOUND_MESSAGES: 'websocket.outbound.messages',
} as const;

/**
 * Messaging attributes from the OpenTelemetry messaging semantic conventions, on BullMQ job spans and Nest
 * microservice spans (`messaging.system` is `bullmq`, or the microservice transport: `tcp`, `redis`, `nats`,
 * `rabbitmq`, `kafka`, `mqtt`).
 */
export const MessagingAttributes = {
  SYSTEM: 'messaging.system',
  DESTINATION_NAME: 'messaging.destination.name',
  OPERATION_TYPE: 'messaging.operation.type',
  OPERATION_NAME: 'messaging.operation.name',
  MESSAGE_ID: 'messaging.message.id',
  BATCH_MESSAGE_COUNT: 'messaging.batch.message_count',
} as const;

/** BullMQ job attributes this library adds to BullMQ's own `bullmq.*` ones (messaging convention namespace). */
export const BullMqAttributes = {
  /** 1 for the first attempt, 2 for the first retry... (BullMQ's `attemptsMade` + 1 when the attempt starts). */
  ATTEMPT: 'messaging.bullmq.job.attempt',
  /** Delay the job was added with, in ms (`opts.delay`). */
  DELAY_MS: 'messaging.bullmq.job.delay_ms',
  /** First attempt: ms from when the job was due (added + delay) until a worker picked it up. */
  QUEUE_WAIT_MS: 'messaging.bullmq.job.queue_wait_ms',
} as const;

/** `@nestjs/event-emitter` listener attributes (library namespace). */
export const EventAttributes = {
  /** The event (or wildcard pattern) the `@OnEvent` listener subscribed to. */
  NAME: 'nestjs.event.name',
  /** `Class.method` of the listener. */
  LISTENER: 'nestjs.event.listener',
} as const;

/** Span kinds in the OpenInference vocabulary this library uses. */
export type OpenInferenceSpanKind = 'CHAIN' | 'LLM' | 'AGENT' | 'TOOL' | 'EMBEDDING' | 'RETRIEVER' | 'RERANKER';

/** Span kinds in the Traceloop vocabulary. */
export type TraceloopSpanKind = 'workflow' | 'task' | 'agent' | 'tool';

/**
 * Metric instrument names. The first three are the OTel GenAI client metrics; the cost counter is this
 * library's own (no semconv name exists for spend).
 */
export const GenAiMetrics = {
  TOKEN_USAGE: 'gen_ai.client.token.usage',
  OPERATION_DURATION: 'gen_ai.client.operation.duration',
  TIME_TO_FIRST_CHUNK: 'gen_ai.client.operation.time_to_first_chunk',
  COST: 'gen_ai.client.cost',
} as const;

/**
 * Duration histograms (seconds) of the work the decorators and interceptors trace: the GenAI and HTTP semantic
 * convention names where they exist; `websocket.server.message.duration` is this library's own.
 */
export const OperationMetrics = {
  WORKFLOW_DURATION: 'gen_ai.workflow.duration',
  AGENT_DURATION: 'gen_ai.invoke_agent.duration',
  TOOL_DURATION: 'gen_ai.execute_tool.duration',
  HTTP_SERVER_DURATION: 'http.server.request.duration',
  WEBSOCKET_MESSAGE_DURATION: 'websocket.server.message.duration',
  /** OTel messaging convention: one BullMQ job attempt, one microservice message or event handled. */
  MESSAGING_PROCESS_DURATION: 'messaging.process.duration',
  /** Label of the non-HTTP histograms: `ok`, `error` or `cancelled` (HTTP has its status code). */
  OUTCOME: 'outcome',
} as const;
