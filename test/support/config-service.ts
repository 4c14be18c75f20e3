import type { DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TracingModule, type TracingModuleOptions } from '../../lib/index.js';

/**
 * `TracingModule.forRootAsync` reading `variables` from `ConfigService` only (a `load` factory: nothing reaches
 * `process.env`), plus `options` from the factory. Variables tested this way prove their effect comes from the
 * module's own configuration: the OpenTelemetry SDK reads some of the same names (`OTEL_BSP_*`, span limits,
 * OTLP headers and timeouts) from `process.env` on its own, which would hide a setting the module dropped.
 */
export async function configuredBy(
  variables: Record<string, string | number>,
  options: TracingModuleOptions = {},
): Promise<{ tracingModule: DynamicModule; imports: DynamicModule[] }> {
  const configModule = await ConfigModule.forRoot({ ignoreEnvFile: true, isGlobal: true, load: [() => variables] });
  return {
    imports: [configModule],
    tracingModule: TracingModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: () => options }),
  };
}
