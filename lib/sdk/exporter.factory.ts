import { OTLPTraceExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpHttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpSettings, ResolvedTracingConfig } from '../config/resolved-config.js';
import type { ExporterChoice } from '../config/tracing-options.interface.js';
import { BoundedMemorySpanExporter } from './bounded-memory.exporter.js';
import { loadOptionalPeer } from './optional-peer.js';

/** One configured exporter, ready to sit behind its own queue. */
export interface ExporterEntry {
  name: string;
  endpoint: string | undefined;
  exporter: SpanExporter;
  /** Exported synchronously as each span ends (memory, console) rather than batched. */
  immediate: boolean;
}

interface GrpcTraceExporterModule {
  OTLPTraceExporter: new (options: { url: string; headers?: Record<string, string>; timeoutMillis: number }) => SpanExporter;
}

/** Builds every exporter of the configuration; the in-memory one is also returned for `getFinishedSpans()`. */
export function createExporters(config: ResolvedTracingConfig): { entries: ExporterEntry[]; memory: BoundedMemorySpanExporter | undefined } {
  let memory: BoundedMemorySpanExporter | undefined;
  const entries = config.exporters.map((choice: ExporterChoice): ExporterEntry => {
    if (choice === 'memory') {
      memory = new BoundedMemorySpanExporter();
      return { name: 'memory', endpoint: undefined, exporter: memory, immediate: true };
    }
    if (choice === 'console') return { name: 'console', endpoint: undefined, exporter: new ConsoleSpanExporter(), immediate: true };
    if (choice === 'otlp') return { name: 'otlp', endpoint: safeEndpoint(config.otlp.endpoint), exporter: createOtlpExporter(config.otlp), immediate: false };
    return { name: choice.constructor?.name || 'exporter', endpoint: undefined, exporter: choice, immediate: false };
  });
  return { entries, memory };
}

/** The official OTLP trace exporter for the protocol; gRPC is an optional peer, loaded only when asked for. */
export function createOtlpExporter(otlp: OtlpSettings): SpanExporter {
  const { endpoint: url, headers, protocol, timeoutMillis } = otlp;
  if (protocol === 'grpc') {
    const grpc = loadOptionalPeer<GrpcTraceExporterModule>('@opentelemetry/exporter-trace-otlp-grpc', 'otlp.protocol / OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL');
    // Headers travel as gRPC metadata.
    return new grpc.OTLPTraceExporter({ url, headers, timeoutMillis });
  }
  const options = { url, headers, timeoutMillis };
  return protocol === 'http/json' ? new OtlpHttpJsonExporter(options) : new OtlpHttpProtoExporter(options);
}

/** The endpoint as logs and health may show it: no user, password or query (they can hold credentials). */
export function safeEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return '(invalid endpoint)';
  }
}
