import { createRequire } from 'node:module';
import { TracingConfigError } from '../config/tracing-config.error.js';
import { grpcExporterMissing } from '../tracing.messages.js';

const requireFromHere = createRequire(import.meta.url);

/**
 * Loads an optional peer dependency (the gRPC exporters) only when the configuration asks for it, so an app that
 * never uses it needs none of its packages. A missing package is one bootstrap error naming what to install.
 */
export function loadOptionalPeer<T>(moduleName: string, source: string): T {
  try {
    return requireFromHere(moduleName) as T;
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new TracingConfigError(grpcExporterMissing(moduleName, source, detail));
  }
}
