import { metrics, type Meter, type MeterProvider } from '@opentelemetry/api';
import { LIBRARY_NAME, LIBRARY_VERSION } from '../tracing.constants.js';

/**
 * Instruments of the MeterProvider registered right now. The metrics API has no proxy meter, so instruments made
 * before the app registered its provider would stay no-ops forever: they are rebuilt when the provider changes.
 * `get()` is undefined while the API's no-op provider is in place, so callers skip building attributes.
 */
export class InstrumentCache<T> {
  private provider: MeterProvider | undefined;
  private instruments: T | undefined;

  constructor(private readonly create: (meter: Meter) => T) {}

  get(): T | undefined {
    const provider = metrics.getMeterProvider();
    if (provider !== this.provider) {
      this.provider = provider;
      this.instruments =
        provider.constructor?.name === 'NoopMeterProvider' ? undefined : this.create(provider.getMeter(LIBRARY_NAME, LIBRARY_VERSION));
    }
    return this.instruments;
  }
}
