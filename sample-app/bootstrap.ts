import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { AppModule, type AppModuleOptions } from './app.module.js';

/** Options of `createSampleApp`. */
export interface SampleAppOptions extends AppModuleOptions {
  /** Nest log levels, or false for none. @default Nest's defaults */
  logger?: LogLevel[] | false;
}

/** Creates the sample app (not listening yet): Express, with the socket.io gateway. */
export async function createSampleApp(options: SampleAppOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot({ envFile: options.envFile }), {
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  app.useWebSocketAdapter(new IoAdapter(app));
  return app;
}
