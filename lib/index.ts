/**
 * nestjs-ai-tracing: OpenTelemetry tracing, token usage and cost for NestJS AI workflows, LLM providers and
 * agents. This is the only import path users need.
 */
export { TracingModule } from './tracing.module.js';
export { TracingService } from './tracing.service.js';
export type { WithSpanOptions } from './tracing.service.js';
export { TracingConfigError } from './config/tracing-config.error.js';
export type {
  AttributionPropagation,
  BatchOptions,
  DiagLogLevelName,
  EventsTracingOptions,
  ExplorerOptions,
  ExporterChoice,
  ExporterName,
  HealthOptions,
  HttpTracingOptions,
  MetricsExporterName,
  MetricsOptions,
  MicroservicesTracingOptions,
  ModelPrice,
  OtlpOptions,
  OtlpProtocol,
  PricingOptions,
  PropagationOptions,
  PropagatorName,
  RequestReader,
  SpanLimitOptions,
  TraceStoreOptions,
  TracingModuleOptions,
  WebSocketTracingOptions,
} from './config/tracing-options.interface.js';
export { traceLogFields } from './logging/trace-log-fields.js';
export type { TraceLogFields } from './logging/trace-log-fields.js';
export { TracingConsoleLogger } from './logging/tracing-console.logger.js';
export { TracingHealthIndicator } from './health/tracing-health.indicator.js';
export type { TracingIndicatorDetails, TracingIndicatorResult } from './health/tracing-health.indicator.js';
export type { ExporterHealth, HealthStatus, StoreHealth, StoreHealthSource, TracingHealth } from './health/tracing-health.js';
export type { ContextCarrier } from './propagation/context-carrier.js';
export type { Attribution, SpanRole, TokenUsage } from './core/span-scope.js';
export type { ConventionName } from './genai/conventions/convention.js';
export type { ChatMessage, MessagePart, OutputMessage } from './genai/provider-call.js';
export type { EvaluatedSpan, EvaluationOptions, EvaluationResult, Evaluator, ScoreOptions } from './evaluation/evaluation.types.js';
export { createTracedFetch, tracedFetch } from './fetch/traced-fetch.js';
export type { FetchFunction } from './fetch/traced-fetch.js';

export { CostService } from './cost/cost.service.js';
export type {
  CostCallRecord,
  CostForecast,
  CostForecastQuery,
  CostGroupBy,
  CostReportQuery,
  CostReportRow,
  CostResult,
  CostTarget,
  CostKind,
  NonTokenCost,
  NonTokenCostRecord,
} from './cost/cost.types.js';
export { usageFromChunk, usageFromResult } from './cost/usage-extractor.js';
export type { UsageRead } from './cost/usage-extractor.js';

export { TraceWorkflow } from './decorators/trace-workflow.decorator.js';
export type { TraceWorkflowOptions } from './decorators/trace-workflow.decorator.js';
export { TraceNode } from './decorators/trace-node.decorator.js';
export type { TraceNodeOptions } from './decorators/trace-node.decorator.js';
export { TraceProvider } from './decorators/trace-provider.decorator.js';
export type { TraceProviderOptions } from './decorators/trace-provider.decorator.js';
export { TraceAgentTask, TraceAgentStep } from './decorators/trace-agent.decorator.js';
export type { AgentStepPhase, TraceAgentStepOptions, TraceAgentTaskOptions } from './decorators/trace-agent.decorator.js';
export { TraceTool } from './decorators/trace-tool.decorator.js';
export type { TraceToolOptions } from './decorators/trace-tool.decorator.js';
export type { CommonTraceOptions, ValueOrExtractor } from './decorators/decorator-options.js';

export {
  AttributionAttributes,
  BullMqAttributes,
  CostAttributes,
  EventAttributes,
  CostEvents,
  GenAiAttributes,
  GenAiEvents,
  GenAiMetrics,
  GenAiOperations,
  HttpAttributes,
  MessagingAttributes,
  LangfuseAttributes,
  OpenInferenceAttributes,
  OperationMetrics,
  ProviderAttributes,
  TraceloopAttributes,
  WebSocketAttributes,
  WorkflowAttributes,
} from './semconv.js';

export { HttpTracingInterceptor } from './interceptors/http-tracing.interceptor.js';
export { WsTracingInterceptor, WS_OUTBOUND_EVENT } from './interceptors/ws-tracing.interceptor.js';
export { NoTrace } from './interceptors/no-trace.decorator.js';
export { traceEmit } from './interceptors/trace-emit.js';
export { RpcTracingInterceptor } from './microservices/rpc-tracing.interceptor.js';
export type { WsEmitTarget } from './interceptors/trace-emit.js';

export { BullMqTelemetry } from './queues/bullmq.telemetry.js';
export type { BullMqContextManager, BullMqTracer } from './queues/bullmq.telemetry.js';
export type { BullMqSpanLike } from './queues/bullmq-span.js';

export { TraceStoreService } from './store/trace-store.service.js';
export { TraceQueryError } from './store/trace-query.validation.js';
export { TraceQueryTimeoutError } from './store/query/store-query.js';
export type { TraceStore, TraceStoreStats } from './store/trace-store.js';
export type {
  CostReport,
  CostReportQuery as StoreCostReportQuery,
  CostRow,
  ErrorRow,
  ErrorSummary,
  LatencyRow,
  ParallelGroup,
  QueryParams,
  SlowestReport,
  SpanEventRecord,
  SpanNode,
  SpanRecord,
  TimeInput,
  TimeRangeQuery,
  TraceListPage,
  TraceListQuery,
  TracePageQuery,
  TraceSpanPage,
  TraceStatus,
  TraceSummary,
  TraceTree,
  CostGroupBy as StoreCostGroupBy,
} from './store/trace-query.types.js';
