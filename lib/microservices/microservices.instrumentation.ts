import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';
import { reportOnce } from '../core/safe-execute.js';
import { TRACING_CONFIG } from '../tracing.constants.js';
import { instrumentClientProxy, type MicroservicesPackage } from './client-proxy.instrumentation.js';

/**
 * Installs the `ClientProxy` tracing when `@nestjs/microservices` (an optional peer) is installed and
 * `microservices.enabled` is on; loads nothing otherwise. NATS headers need `@nats-io/transport-node`, which
 * Nest's NATS transport requires anyway.
 */
@Injectable()
export class MicroservicesInstrumentation implements OnModuleInit {
  constructor(@Inject(TRACING_CONFIG) private readonly config: ResolvedTracingConfig) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.enabled || !this.config.microservices.enabled) return;
    const microservices = await optionalImport<MicroservicesPackage>('@nestjs/microservices');
    if (!microservices) return;
    const nats = await optionalImport<{ headers?: () => object }>('@nats-io/transport-node');
    const natsHeaders = nats?.headers;
    instrumentClientProxy(microservices, typeof natsHeaders === 'function' ? () => natsHeaders() : undefined);
  }
}

/** The module, or undefined when it is not installed (any other loading failure is reported once). */
async function optionalImport<T>(name: string): Promise<T | undefined> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') reportOnce(`loading ${name} for microservice tracing`, error);
    return undefined;
  }
}
