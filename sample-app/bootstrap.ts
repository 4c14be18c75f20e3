import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { TracingConsoleLogger } from 'nestjs-ai-tracing';
import { AppModule, type AppModuleOptions } from './app.module.js';

/** Options of `createSampleApp`. */
export interface SampleAppOptions extends AppModuleOptions {
  /** Nest log levels, or false for none. @default Nest's defaults */
  logger?: LogLevel[] | false;
}

/**
 * Creates the sample app (not listening yet): Express, with the socket.io gateway. Its log lines written inside a
 * traced request or job carry the trace (`TracingConsoleLogger`; `LOG_FORMAT=json` for JSON lines).
 */
export async function createSampleApp(options: SampleAppOptions = {}): Promise<INestApplication> {
  const logger =
    options.logger === false
      ? false
      : new TracingConsoleLogger({ json: process.env.LOG_FORMAT === 'json', ...(options.logger ? { logLevels: options.logger } : {}) });
  const app = await NestFactory.create(AppModule.forRoot({ envFile: options.envFile }), { logger });
  app.useWebSocketAdapter(new IoAdapter(app));
  return app;
}
