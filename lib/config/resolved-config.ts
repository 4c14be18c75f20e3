import type { Attributes, TracerProvider } from '@opentelemetry/api';
import type { Evaluator } from '../evaluation/evaluation.types.js';
import type { ConventionName } from '../genai/conventions/convention.js';
import type {
  DiagLogLevelName,
  ExporterChoice,
  HttpTracingOptions,
  MetricsExporterName,
  ModelPrice,
  OtlpProtocol,
  PropagatorName,
  WebSocketTracingOptions,
} from './tracing-options.interface.js';

/** OTLP connection settings of one signal (traces or metrics). */
export interface OtlpSettings {
  endpoint: string;
  headers: Record<string, string>;
  protocol: OtlpProtocol;
  timeoutMillis: number;
}

/** Configuration after defaults, env and options are merged and validated: what the rest of the library reads. */
export interface ResolvedTracingConfig {
  enabled: boolean;
  serviceName: string;
  serviceVersion: string | undefined;
  /** `service.instance.id` of this process: the configured one, else a random UUID per process. */
  serviceInstanceId: string;
  /** As configured (`service.instance.id` is added to the resource from `serviceInstanceId`). */
  resourceAttributes: Attributes;
  /** Every exporter spans go to, each behind its own queue; empty for `none`. */
  exporters: ExporterChoice[];
  otlp: OtlpSettings;
  /** Propagation formats to register when the app has no propagator; undefined = the default (W3C trace context + baggage). */
  propagators: PropagatorName[] | undefined;
  /** OpenTelemetry diagnostics level, routed to the Nest `Logger`. */
  logLevel: DiagLogLevelName;
  health: { logIntervalMillis: number };
  /** A MeterProvider to build; `exporter: 'none'` when the app has one or none was asked for. */
  metrics: { exporter: MetricsExporterName; otlp: OtlpSettings; exportIntervalMillis: number; exportTimeoutMillis: number };
  tracerProvider: TracerProvider | undefined;
  sampleRate: number;
  /** Follow the parent's sampling decision (false only for the non-`parentbased_*` OTEL_TRACES_SAMPLER values). */
  parentBasedSampling: boolean;
  captureContent: boolean;
  maxContentLength: number;
  costTracking: boolean;
  /** Keys redacted besides (or, with `redactDefaultKeys: false`, instead of) the built-in list. */
  redactKeys: string[];
  redactDefaultKeys: boolean;
  conventions: ConventionName[];
  evaluators: Evaluator[];
  evaluation: { timeoutMillis: number; maxPending: number; concurrency: number };
  attributeValueLengthLimit: number | undefined;
  spanLimits: {
    attributeCountLimit: number;
    eventCountLimit: number;
    linkCountLimit: number;
    attributePerEventCountLimit: number;
    attributePerLinkCountLimit: number;
  };
  batch: { maxQueueSize: number; maxExportBatchSize: number; scheduledDelayMillis: number; exportTimeoutMillis: number };
  shutdownTimeoutMillis: number;
  pricing: {
    models: ModelPrice[];
    file: string | undefined;
    deployments: Record<string, { provider: string; model: string }>;
    bundled: boolean;
  };
  http: Required<
    Pick<HttpTracingOptions, 'enabled' | 'ignorePaths' | 'traceResponseHeader' | 'captureQuery' | 'userId' | 'trustRemoteSampling'>
  > &
    Pick<HttpTracingOptions, 'tenantId' | 'sessionId'>;
  websocket: Required<Pick<WebSocketTracingOptions, 'enabled' | 'ignoreEvents' | 'payloadIds'>> &
    Pick<WebSocketTracingOptions, 'attribution'>;
  propagation: { sendAttribution: boolean; acceptAttribution: boolean };
  microservices: { enabled: boolean };
  events: { enabled: boolean; ignoreEvents: Array<string | RegExp> };
  store: {
    enabled: boolean;
    driver: 'sqlite' | 'postgres';
    path: string;
    /** PostgreSQL connection URL (driver `postgres` only). */
    url: string | undefined;
    poolSize: number;
    retentionDays: number;
    maxTraces: number;
    maxSpansPerTrace: number;
    maxSizeMb: number;
    maxQueueSize: number;
    queryTimeoutMillis: number;
  };
  explorer: {
    enabled: boolean;
    path: string;
    token: string | undefined;
    /** Host names accepted besides the loopback ones (lower-cased; a leading dot covers subdomains). */
    allowedHosts: string[];
    /** `NODE_ENV` names a deployed environment (anything but unset, development, dev, local, test). */
    deployed: boolean;
  };
}
