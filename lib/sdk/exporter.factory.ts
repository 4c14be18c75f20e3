import { OTLPTraceExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpHttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExportResultCode } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { BoundedMemorySpanExporter } from './bounded-memory.exporter.js';

/** The exporter pipeline chosen by the configuration. */
export interface ExportPipeline {
  processor: SpanProcessor | undefined;
  memoryExporter: BoundedMemorySpanExporter | undefined;
}

/** Builds the exporter and its processor: simple for memory/console (immediate), batch for the rest. */
export function createExportPipeline(config: ResolvedTracingConfig): ExportPipeline {
  const { exporter } = config;
  if (exporter === 'none') return { processor: undefined, memoryExporter: undefined };
  if (exporter === 'memory') {
    const memoryExporter = new BoundedMemorySpanExporter();
    return { processor: new SimpleSpanProcessor(memoryExporter), memoryExporter };
  }
  if (exporter === 'console') return { processor: new SimpleSpanProcessor(new ConsoleSpanExporter()), memoryExporter: undefined };
  const spanExporter: SpanExporter = exporter === 'otlp' ? createOtlpExporter(config) : guardExporter(exporter);
  return { processor: new BatchSpanProcessor(spanExporter, config.batch), memoryExporter: undefined };
}

function createOtlpExporter(config: ResolvedTracingConfig): SpanExporter {
  const { endpoint, headers, protocol, timeoutMillis } = config.otlp;
  const options = { url: endpoint, headers, timeoutMillis };
  return protocol === 'http/json' ? new OtlpHttpJsonExporter(options) : new OtlpHttpProtoExporter(options);
}

/**
 * A user's exporter that throws from `export` instead of calling back would leave the batch processor's export
 * timer (`batch.exportTimeoutMillis`, 30 s by default) running past `app.close()`; report the throw as a
 * failed export instead.
 */
function guardExporter(exporter: SpanExporter): SpanExporter {
  return {
    export(spans, resultCallback) {
      try {
        exporter.export(spans, resultCallback);
      } catch (error) {
        resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      }
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
