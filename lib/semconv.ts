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
  RESPONSE_MODEL: 'gen_ai.response.model',
  RESPONSE_TIME_TO_FIRST_CHUNK: 'gen_ai.response.time_to_first_chunk',
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
  /**
   * Library marker (not OTel semconv) on spans that carry no other `gen_ai.*` attribute, e.g. HTTP and node
   * spans, so that Langfuse's default span filter keeps them. Its value is the span's role.
   */
  SPAN_TYPE: 'gen_ai.span.type',
} as const;

/** Values of `gen_ai.operation.name` this library sets itself. */
export const GenAiOperations = {
  CHAT: 'chat',
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

/** Span kinds in the OpenInference vocabulary, one per library span role. */
export type OpenInferenceSpanKind = 'CHAIN' | 'LLM' | 'AGENT' | 'TOOL';

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
