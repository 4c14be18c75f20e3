import { SpanKind, type Attributes, type Histogram, type Meter } from '@opentelemetry/api';
import type { SpanMetricsRecorder, SpanSpecLike } from '../core/runtime.js';
import type { SpanScope } from '../core/span-scope.js';
import { GenAiAttributes, HttpAttributes, MessagingAttributes, OperationMetrics, WebSocketAttributes } from '../semconv.js';
import { InstrumentCache } from './instrument-cache.js';

// Boundaries advised by the HTTP semantic conventions for request durations, stretched for LLM-length work.
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 120, 300];

type Instruments = Record<'workflow' | 'agent_task' | 'tool' | 'http' | 'websocket' | 'process', Histogram>;

/**
 * Duration histograms of workflows, agent tasks, tools, HTTP/WebSocket handlers and message processing (BullMQ
 * job attempts, microservice handlers: `messaging.process.duration`), recorded when their span ends. Labels are low-cardinality only: operation and component names from the code (workflow, agent, tool,
 * route template, event name), method, status code, outcome and error type; never ids, paths or users. Free while
 * no MeterProvider is registered (one provider lookup per span).
 */
export class OperationMetricsRecorder implements SpanMetricsRecorder {
  private readonly instruments = new InstrumentCache(createInstruments);

  record(spec: SpanSpecLike, scope: SpanScope, outcome: 'ok' | 'error' | 'cancelled', endTime: number | undefined): void {
    const role = instrumentOf(scope.role, spec.kind);
    if (!role) return;
    // Under an HTTP auto-instrumentation's SERVER span (ours is then INTERNAL) that instrumentation records the request.
    if (role === 'http' && spec.kind === SpanKind.INTERNAL) return;
    const instruments = this.instruments.get();
    if (!instruments) return;
    const started = typeof spec.startTime === 'number' ? spec.startTime : scope.startedAt;
    const seconds = Math.max(0, ((endTime ?? performance.now()) - started) / 1000);
    instruments[role].record(seconds, labels(role, spec.attributes ?? {}, scope, outcome));
  }
}

function labels(role: keyof Instruments, a: Attributes, scope: SpanScope, outcome: string): Attributes {
  const out: Attributes = {};
  if (role === 'http') {
    copy(out, a, HttpAttributes.REQUEST_METHOD, HttpAttributes.URL_SCHEME);
    // The scope's route: a request span may learn it after it started.
    if (scope.route !== undefined) out[HttpAttributes.ROUTE] = scope.route;
    if (scope.statusCode !== undefined) out[HttpAttributes.RESPONSE_STATUS_CODE] = scope.statusCode;
  } else {
    if (role === 'workflow') copy(out, a, GenAiAttributes.OPERATION_NAME, GenAiAttributes.WORKFLOW_NAME);
    if (role === 'agent_task') copy(out, a, GenAiAttributes.OPERATION_NAME, GenAiAttributes.AGENT_NAME);
    if (role === 'tool') copy(out, a, GenAiAttributes.OPERATION_NAME, GenAiAttributes.TOOL_NAME);
    if (role === 'websocket') copy(out, a, WebSocketAttributes.EVENT);
    if (role === 'process') copy(out, a, MessagingAttributes.SYSTEM, MessagingAttributes.DESTINATION_NAME, MessagingAttributes.OPERATION_NAME);
    out[OperationMetrics.OUTCOME] = outcome;
  }
  if (scope.errorType !== undefined && outcome !== 'cancelled') out[HttpAttributes.ERROR_TYPE] = scope.errorType;
  return out;
}

/** The histogram a span feeds: the role's own, `process` for the receiving side of a job or message, or none. */
function instrumentOf(role: SpanScope['role'], kind: SpanKind | undefined): keyof Instruments | undefined {
  switch (role) {
    case 'workflow':
    case 'agent_task':
    case 'tool':
    case 'http':
    case 'websocket':
      return role;
    case 'queue':
    case 'rpc':
      return kind === SpanKind.CONSUMER || kind === SpanKind.SERVER ? 'process' : undefined;
    default:
      return undefined;
  }
}

function copy(out: Attributes, from: Attributes, ...keys: string[]): void {
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
}

function createInstruments(meter: Meter): Instruments {
  const histogram = (name: string, description: string) =>
    meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: SECONDS_BUCKETS } });
  return {
    workflow: histogram(OperationMetrics.WORKFLOW_DURATION, 'Duration of GenAI workflow runs'),
    agent_task: histogram(OperationMetrics.AGENT_DURATION, 'Duration of GenAI agent invocations'),
    tool: histogram(OperationMetrics.TOOL_DURATION, 'Duration of GenAI tool executions'),
    http: histogram(OperationMetrics.HTTP_SERVER_DURATION, 'Duration of HTTP server requests'),
    websocket: histogram(OperationMetrics.WEBSOCKET_MESSAGE_DURATION, 'Duration of WebSocket message handlers'),
    process: histogram(OperationMetrics.MESSAGING_PROCESS_DURATION, 'Duration of processing a job or message (BullMQ, Nest microservices)'),
  };
}
