import { metrics, type Attributes } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';

class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** A global MeterProvider read on demand, for tests of the metrics the library records. */
export interface TestMetrics {
  /** Data points of histogram `name`: attributes and count. */
  histogram(name: string): Promise<Array<{ attributes: Attributes; count: number }>>;
  close(): Promise<void>;
}

/** Registers a MeterProvider globally (the library records through the global API) until `close()`. */
export function collectMetrics(): TestMetrics {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(provider);
  return {
    async histogram(name) {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
      return ((metric?.dataPoints ?? []) as Array<DataPoint<Histogram>>).map((p) => ({ attributes: p.attributes, count: p.value.count }));
    },
    async close() {
      metrics.disable();
      await provider.shutdown();
    },
  };
}
