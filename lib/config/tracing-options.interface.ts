import type { Attributes, TracerProvider } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Attribution } from '../core/span-scope.js';
import type { EvaluationOptions, Evaluator } from '../evaluation/evaluation.types.js';
import type { ConventionName } from '../genai/conventions/convention.js';

/** Built-in exporters, chosen by name (`exporter` option, `TRACING_EXPORTER` or `OTEL_TRACES_EXPORTER`). */
export type ExporterName = 'otlp' | 'console' | 'memory' | 'none';

/** One entry of an `exporter` list: a built-in exporter by name, or your own `SpanExporter`. */
export type ExporterChoice = Exclude<ExporterName, 'none'> | SpanExporter;

/**
 * OTLP protocols of `OTEL_EXPORTER_OTLP_[TRACES_|METRICS_]PROTOCOL`. `grpc` needs the optional peer
 * `@opentelemetry/exporter-trace-otlp-grpc` (and `@opentelemetry/exporter-metrics-otlp-grpc` for metrics).
 */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** Context propagation formats of `OTEL_PROPAGATORS`. */
export type PropagatorName = 'tracecontext' | 'baggage' | 'b3' | 'b3multi' | 'jaeger' | 'none';

/** OpenTelemetry diagnostic log levels of `OTEL_LOG_LEVEL`. */
export type DiagLogLevelName = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

/** Per-span caps, as the `OTEL_*_COUNT_LIMIT` variables; what exceeds them is dropped by the SDK. */
export interface SpanLimitOptions {
  /** Attributes per span. Env: `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_COUNT_LIMIT`. @default 128 */
  attributeCountLimit?: number;
  /** Events per span. Env: `OTEL_SPAN_EVENT_COUNT_LIMIT`. @default 128 */
  eventCountLimit?: number;
  /** Links per span. Env: `OTEL_SPAN_LINK_COUNT_LIMIT`. @default 128 */
  linkCountLimit?: number;
  /** Attributes per span event. Env: `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_COUNT_LIMIT`. @default 128 */
  attributePerEventCountLimit?: number;
  /** Attributes per span link. Env: `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_COUNT_LIMIT`. @default 128 */
  attributePerLinkCountLimit?: number;
}

/** Pipeline health reporting. */
export interface HealthOptions {
  /**
   * While exports fail or spans are dropped, at most one summary line per this many ms.
   * Env: `TRACING_HEALTH_LOG_INTERVAL`. @default 60000
   */
  logIntervalMillis?: number;
}

/** Metrics exporters, as `OTEL_METRICS_EXPORTER`. */
export type MetricsExporterName = 'otlp' | 'console' | 'none';

/**
 * A `MeterProvider` built by the module when the app has none. The library's instruments always go through the
 * global metrics API; this only decides whether the module creates the provider that exports them.
 */
export interface MetricsOptions {
  /** Env: `OTEL_METRICS_EXPORTER` (`otlp`, `console`, `none`). @default 'none' (no provider is built) */
  exporter?: MetricsExporterName;
  /** Metrics URL. Env: `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/metrics`. @default 'http://localhost:4318/v1/metrics' (grpc: 'http://localhost:4317') */
  endpoint?: string;
  /** Env: `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`, `OTEL_EXPORTER_OTLP_PROTOCOL`. @default 'http/protobuf' */
  protocol?: OtlpProtocol;
  /** Env: `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_METRICS_HEADERS`. @default {} */
  headers?: Record<string, string>;
  /** Time between exports. Env: `OTEL_METRIC_EXPORT_INTERVAL`. @default 60000 */
  exportIntervalMillis?: number;
  /** Time one export may take. Env: `OTEL_METRIC_EXPORT_TIMEOUT`. @default 30000 */
  exportTimeoutMillis?: number;
}

/** A price entry, in USD per 1M tokens. */
export interface ModelPrice {
  /** Provider name as it appears on spans (`openai`, `anthropic`, `azure.ai.openai`...). */
  provider: string;
  /** Exact model name, or a RegExp matched against the model name. */
  model: string | RegExp;
  /** USD per 1M input tokens (uncached). */
  input: number;
  /** USD per 1M output tokens. */
  output: number;
  /** USD per 1M cache-read input tokens. @default input */
  cacheRead?: number;
  /** USD per 1M cache-write input tokens. @default input */
  cacheWrite?: number;
  /** USD per 1M reasoning output tokens. @default output */
  reasoning?: number;
}

/** Where prices come from. User entries win over bundled ones. */
export interface PricingOptions {
  /** Extra or overriding prices. @default [] */
  models?: ModelPrice[];
  /** Path of a JSON file holding a `ModelPrice[]` (RegExp models as `"/pattern/flags"`). Env: `TRACING_PRICING_FILE`. */
  file?: string;
  /** Deployment or alias name -> real provider/model, e.g. Azure deployment names. @default {} */
  deployments?: Record<string, { provider: string; model: string }>;
  /** Use the prices bundled with `@pydantic/genai-prices`. @default true */
  bundled?: boolean;
}

/** Request-side reader functions take the framework request (Express or Fastify). */
export type RequestReader<T> = (request: unknown) => T | undefined;

/** Options of the HTTP interceptor. */
export interface HttpTracingOptions {
  /** Trace every controller route. @default true */
  enabled?: boolean;
  /**
   * Paths not traced: strings match the path exactly, RegExps test it. Both see the path as the router does:
   * without query, scheme and host (absolute-form targets), percent-decoded, without a trailing slash, and
   * case-insensitively when the router ignores case (Express's default).
   * @default []
   */
  ignorePaths?: Array<string | RegExp>;
  /** The user a request runs for. @default request.user?.id when present */
  userId?: RequestReader<string>;
  /** The tenant a request runs for. @default none */
  tenantId?: RequestReader<string>;
  /** The session a request belongs to. @default none */
  sessionId?: RequestReader<string>;
  /** Send the W3C `traceresponse` header with the trace id. @default true */
  traceResponseHeader?: boolean;
  /** Record `url.query` (with secret-looking parameters redacted). @default true */
  captureQuery?: boolean;
  /**
   * Honour the sampled flag of an incoming `traceparent`, as OpenTelemetry does. Set false on services that
   * face untrusted clients: the trace id and parent are kept, but whether the request is sampled is decided
   * by `sampleRate`, so a client cannot switch tracing of its requests off (or on). Env:
   * `TRACING_HTTP_TRUST_REMOTE_SAMPLING`.
   * @default true
   */
  trustRemoteSampling?: boolean;
}

/** Options of the WebSocket gateway interceptor. */
export interface WebSocketTracingOptions {
  /** Trace every `@SubscribeMessage` handler. @default true */
  enabled?: boolean;
  /** Events not traced (noisy heartbeats, typing indicators). @default [] */
  ignoreEvents?: Array<string | RegExp>;
  /** Attribution read from the client socket (e.g. the user authenticated at handshake). @default none */
  attribution?: (client: unknown, payload: unknown) => Attribution | undefined;
  /** Job and session ids read from the payload. @default job_id/jobId and thread_id/threadId fields */
  payloadIds?: (payload: unknown) => { jobId?: string; sessionId?: string } | undefined;
}

/**
 * Which way attribution travels in jobs and messages: `both` sends it with outgoing work and accepts it from
 * incoming work, `send` never trusts incoming carriers, `accept` never sends, `none` does neither. The trace
 * context itself always travels.
 */
export type AttributionPropagation = 'both' | 'send' | 'accept' | 'none';

/** How trace context and attribution cross process boundaries (BullMQ jobs, microservice messages, `TracingService.inject`/`extract`). */
export interface PropagationOptions {
  /**
   * Attribution (user, session, tenant, workflow and job ids) in carriers, under the library's own
   * `ai-tracing-attribution` key. Env: `TRACING_PROPAGATE_ATTRIBUTION`. @default 'both'
   */
  attribution?: AttributionPropagation;
}

/** Options of the Nest microservices tracing (`@nestjs/microservices`, an optional peer). */
export interface MicroservicesTracingOptions {
  /**
   * Trace `@MessagePattern`/`@EventPattern` handlers and `ClientProxy.send`/`emit`, carrying the context across.
   * Env: `TRACING_MICROSERVICES_ENABLED`. @default true
   */
  enabled?: boolean;
}

/** Options of the `@nestjs/event-emitter` listener tracing (an optional peer). */
export interface EventsTracingOptions {
  /** Run every `@OnEvent` listener in a span nested under the code that emitted the event. Env: `TRACING_EVENTS_ENABLED`. @default true */
  enabled?: boolean;
  /** Events whose listeners are not traced: strings (matched against the `@OnEvent` event) or RegExps. @default [] */
  ignoreEvents?: Array<string | RegExp>;
}

/**
 * The trace store: an embedded SQLite file (needs the optional peer `better-sqlite3`), or a PostgreSQL database
 * shared by every replica (needs the optional peer `pg`).
 */
export interface TraceStoreOptions {
  /** Turn the store on. Env: `TRACING_STORE_ENABLED`. @default false (true when `path` or `url` is given) */
  enabled?: boolean;
  /**
   * Backend: one SQLite file per process, or one PostgreSQL database for a fleet. Env: `TRACING_STORE_DRIVER`.
   * @default 'postgres' when `url` is given, else 'sqlite'
   */
  driver?: 'sqlite' | 'postgres';
  /** SQLite file. Env: `TRACING_STORE_PATH`. @default '.traces/traces.db' */
  path?: string;
  /**
   * PostgreSQL connection URL (`postgres://user:password@host:5432/db`); selects the `postgres` driver. Tables go
   * in the connection's schema (`?options=-c%20search_path%3Dtracing` picks another). Env: `TRACING_STORE_URL`.
   * @default none
   */
  url?: string;
  /** Connections of the PostgreSQL pool (writes and queries share it). Env: `TRACING_STORE_POOL_SIZE`. @default 4 */
  poolSize?: number;
  /** Delete traces older than this many days. Env: `TRACING_STORE_RETENTION_DAYS`. @default 7 */
  retentionDays?: number;
  /** Keep at most this many traces (oldest pruned first). Env: `TRACING_STORE_MAX_TRACES`. @default 100000 */
  maxTraces?: number;
  /**
   * Spans stored per trace. Past it a trace's spans are counted and summed on the trace (cost, tokens, errors,
   * duration), not stored, so one client holding a `traceparent` cannot grow a trace without limit.
   * Env: `TRACING_STORE_MAX_SPANS_PER_TRACE`. @default 1000
   */
  maxSpansPerTrace?: number;
  /**
   * Size of the database in MB (used pages; the WAL file is checkpointed separately). Past it the oldest
   * traces are pruned, in bounded batches, until it is back under 90% of the cap.
   * Env: `TRACING_STORE_MAX_SIZE_MB`. @default 256
   */
  maxSizeMb?: number;
  /**
   * Spans (and cost rows) waiting to be written; beyond it they are dropped and counted.
   * Env: `TRACING_STORE_MAX_QUEUE_SIZE`. @default 10000
   */
  maxQueueSize?: number;
  /**
   * Longest a `TraceStoreService` query may take, in ms; past it the query fails with a `TraceQueryTimeoutError`
   * (the explorer answers 503). Env: `TRACING_STORE_QUERY_TIMEOUT`. @default 10000
   */
  queryTimeoutMillis?: number;
}

/** The trace and cost explorer (JSON API + one HTML page). */
export interface ExplorerOptions {
  /**
   * Serve the explorer. Env: `TRACING_EXPLORER_ENABLED`.
   * @default true with the store when NODE_ENV is unset, development, dev, local or test (any case); false otherwise
   */
  enabled?: boolean;
  /** Mount path. Env: `TRACING_EXPLORER_PATH`. @default '/_tracing' */
  path?: string;
  /**
   * Bearer token every explorer request must carry. Without one, the explorer answers only loopback clients
   * whose `Host` is `localhost`, `127.0.0.1`, `[::1]` or one of `allowedHosts`. Env: `TRACING_EXPLORER_TOKEN`.
   * @default none
   */
  token?: string;
  /**
   * `Host` names the explorer answers besides `localhost`, `127.0.0.1` and `[::1]` (any port), e.g.
   * `['myapp.test', '.example.com']` (a leading dot covers subdomains). Guards against DNS rebinding; always
   * enforced when set, and without a token even when not set. Env: `TRACING_EXPLORER_ALLOWED_HOSTS`
   * (comma-separated).
   * @default []
   */
  allowedHosts?: string[];
}

/** Span-processor tuning, as `OTEL_BSP_*`. */
export interface BatchOptions {
  /** Env: `OTEL_BSP_MAX_QUEUE_SIZE`. @default 2048 */
  maxQueueSize?: number;
  /** Env: `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`. @default 512 */
  maxExportBatchSize?: number;
  /** Env: `OTEL_BSP_SCHEDULE_DELAY`. @default 5000 */
  scheduledDelayMillis?: number;
  /** Env: `OTEL_BSP_EXPORT_TIMEOUT`. @default 30000 */
  exportTimeoutMillis?: number;
}

/** OTLP exporter settings; each falls back to the standard `OTEL_EXPORTER_OTLP_*` variables. */
export interface OtlpOptions {
  /**
   * Traces URL. Env: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` (+ `/v1/traces` over HTTP).
   * @default 'http://localhost:4318/v1/traces' (grpc: 'http://localhost:4317')
   */
  endpoint?: string;
  /** Extra headers (auth). Env: `OTEL_EXPORTER_OTLP_HEADERS` / `OTEL_EXPORTER_OTLP_TRACES_HEADERS`. @default {} */
  headers?: Record<string, string>;
  /** Env: `OTEL_EXPORTER_OTLP_PROTOCOL` / `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`. @default 'http/protobuf' */
  protocol?: OtlpProtocol;
  /** Env: `OTEL_EXPORTER_OTLP_TIMEOUT`. @default 10000 */
  timeoutMillis?: number;
}

/** Options of `TracingModule.forRoot()` / `forRootAsync()`. All optional; explicit options win over env. */
export interface TracingModuleOptions {
  /** Master switch. Env: `TRACING_ENABLED`, `OTEL_SDK_DISABLED`. @default true */
  enabled?: boolean;
  /** `service.name`. Env: `OTEL_SERVICE_NAME`. @default npm_package_name, else 'nestjs-app' */
  serviceName?: string;
  /** `service.version`. Env: `OTEL_SERVICE_VERSION`, `service.version` in `OTEL_RESOURCE_ATTRIBUTES`. @default npm_package_version when present */
  serviceVersion?: string;
  /**
   * Extra resource attributes, merged over `OTEL_RESOURCE_ATTRIBUTES`. `service.instance.id` is a random UUID
   * per process unless set here or there. @default {}
   */
  resourceAttributes?: Attributes;
  /**
   * Where spans go: a built-in exporter by name, your own `SpanExporter`, or a list mixing both (every span goes
   * to each, each behind its own queue). Env: `TRACING_EXPORTER`, then `OTEL_TRACES_EXPORTER` (a comma list of
   * `otlp`, `console`; or `none`).
   * @default 'otlp' when an OTLP endpoint is configured (`otlp.endpoint` or `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`),
   * else 'none' when the trace store is on, else 'console'
   */
  exporter?: ExporterName | SpanExporter | ExporterChoice[];
  /** OTLP exporter settings. */
  otlp?: OtlpOptions;
  /** Use this provider instead of creating one; it is never registered globally or shut down by us. */
  tracerProvider?: TracerProvider;
  /** Fraction of new traces sampled (parent-based). Env: `TRACING_SAMPLE_RATE`, `OTEL_TRACES_SAMPLER(_ARG)`. @default 1 */
  sampleRate?: number;
  /** Record inputs/outputs as `input.value`/`output.value`. Env: `TRACING_CAPTURE_CONTENT`. @default false */
  captureContent?: boolean;
  /** Longest captured content string before truncation. Env: `TRACING_MAX_CONTENT_LENGTH`. @default 4096 */
  maxContentLength?: number;
  /** Price provider calls and roll cost up. Env: `TRACING_COST_TRACKING`. @default true */
  costTracking?: boolean;
  /**
   * More keys to redact in captured content and `url.query`, besides the built-in secret-looking ones. Matched
   * on the key lower-cased without `-`, `_` and other punctuation; `*` first matches key endings (`*token`).
   * @default []
   */
  redactKeys?: string[];
  /** Keep the built-in list of secret keys; false leaves only `redactKeys`. @default true */
  redactDefaultKeys?: boolean;
  /**
   * Backend conventions emitted besides the OpenTelemetry GenAI ones (always on): `openinference` (Phoenix, and
   * what Langfuse reads of it), `langfuse` (Langfuse's own keys: trace name, completion start time, cost),
   * `traceloop` (Traceloop's grouping). Env: `TRACING_CONVENTIONS` (comma-separated; `genai` alone for none).
   * @default ['openinference', 'langfuse']
   */
  conventions?: ConventionName[];
  /** Evaluators run after spans end (provider spans by default), off the request path; results become `gen_ai.evaluation.result` events. @default [] */
  evaluators?: Evaluator[];
  /** Bounds of the evaluator runs. */
  evaluation?: EvaluationOptions;
  /** Longest attribute string value. Env: `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`, `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`. @default unlimited */
  attributeValueLengthLimit?: number;
  /** Attribute, event and link caps per span. */
  spanLimits?: SpanLimitOptions;
  /**
   * Context propagation formats, registered only when the app has no propagator of its own.
   * Env: `OTEL_PROPAGATORS`. @default ['tracecontext', 'baggage']
   */
  propagators?: PropagatorName[];
  /**
   * Level of OpenTelemetry's own diagnostics, logged through the Nest `Logger` (only when the module creates the
   * provider). Env: `OTEL_LOG_LEVEL`. @default 'warn' (the exporters log every failed retry at `info`)
   */
  logLevel?: DiagLogLevelName;
  /** Pipeline health reporting. */
  health?: HealthOptions;
  /** A `MeterProvider` for the library's metrics, built when asked for and the app has none. */
  metrics?: MetricsOptions;
  /** Batch span processor tuning. */
  batch?: BatchOptions;
  /** Upper bound on flush + shutdown at app close, in ms. Env: `TRACING_SHUTDOWN_TIMEOUT`. @default 5000 */
  shutdownTimeoutMillis?: number;
  /** Pricing sources for cost tracking. */
  pricing?: PricingOptions;
  /** HTTP interceptor options. */
  http?: HttpTracingOptions;
  /** WebSocket interceptor options. */
  websocket?: WebSocketTracingOptions;
  /** Context and attribution in jobs and messages. */
  propagation?: PropagationOptions;
  /** Nest microservices (RPC and events over TCP, Redis, NATS, RabbitMQ...). */
  microservices?: MicroservicesTracingOptions;
  /** `@nestjs/event-emitter` listeners. */
  events?: EventsTracingOptions;
  /** Embedded trace store. */
  store?: TraceStoreOptions;
  /** Trace and cost explorer. */
  explorer?: ExplorerOptions;
}
