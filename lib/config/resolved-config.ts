import type { Attributes, TracerProvider } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type {
  ExporterName,
  HttpTracingOptions,
  ModelPrice,
  OtlpProtocol,
  WebSocketTracingOptions,
} from './tracing-options.interface.js';

/** Configuration after defaults, env and options are merged and validated: what the rest of the library reads. */
export interface ResolvedTracingConfig {
  enabled: boolean;
  serviceName: string;
  serviceVersion: string | undefined;
  resourceAttributes: Attributes;
  exporter: ExporterName | SpanExporter;
  otlp: { endpoint: string; headers: Record<string, string>; protocol: OtlpProtocol; timeoutMillis: number };
  tracerProvider: TracerProvider | undefined;
  sampleRate: number;
  /** Follow the parent's sampling decision (false only for the non-`parentbased_*` OTEL_TRACES_SAMPLER values). */
  parentBasedSampling: boolean;
  captureContent: boolean;
  maxContentLength: number;
  costTracking: boolean;
  redactKeys: string[];
  attributeValueLengthLimit: number | undefined;
  batch: { maxQueueSize: number; maxExportBatchSize: number; scheduledDelayMillis: number; exportTimeoutMillis: number };
  shutdownTimeoutMillis: number;
  pricing: {
    models: ModelPrice[];
    file: string | undefined;
    deployments: Record<string, { provider: string; model: string }>;
    bundled: boolean;
  };
  http: Required<Pick<HttpTracingOptions, 'enabled' | 'ignorePaths' | 'traceResponseHeader' | 'captureQuery' | 'userId'>> &
    Pick<HttpTracingOptions, 'tenantId' | 'sessionId'>;
  websocket: Required<Pick<WebSocketTracingOptions, 'enabled' | 'ignoreEvents' | 'payloadIds'>> &
    Pick<WebSocketTracingOptions, 'attribution'>;
  store: { enabled: boolean; path: string; retentionDays: number; maxTraces: number; maxQueueSize: number };
  explorer: { enabled: boolean; path: string; token: string | undefined };
}
