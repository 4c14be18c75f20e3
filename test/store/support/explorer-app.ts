import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { ExplorerOptions, TraceStoreOptions } from '../../../lib/config/tracing-options.interface.js';
import { traceStoreProviders } from '../../../lib/store/store.providers.js';
import type { TraceStore } from '../../../lib/store/trace-store.js';
import { TRACE_STORE, TRACING_CONFIG } from '../../../lib/tracing.constants.js';
import { testConfig } from './store-harness.js';

/** A Nest app serving the explorer over an existing store file. */
export interface ExplorerApp {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/** Where the app listens and how its store is set up, besides the file. */
export interface ExplorerAppOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  store?: TraceStoreOptions;
}

/**
 * Starts a real Nest app (Express or Fastify, port 0) with the store and explorer providers over the store file
 * at `path` (or the PostgreSQL store of a `postgres://` URL). `url` always points at 127.0.0.1.
 */
export async function startExplorerApp(
  platform: 'express' | 'fastify',
  path: string,
  explorer: ExplorerOptions = {},
  options: ExplorerAppOptions = {},
): Promise<ExplorerApp> {
  const where = path.startsWith('postgres') ? { url: path } : { path };
  const config = testConfig({ store: { ...options.store, ...where }, explorer: { enabled: true, ...explorer } });
  const moduleRef = await Test.createTestingModule({
    providers: [{ provide: TRACING_CONFIG, useValue: config }, ...traceStoreProviders],
  }).compile();
  const app =
    platform === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
      : moduleRef.createNestApplication({ logger: false });
  await app.listen(0, options.host ?? '127.0.0.1');
  const { port } = (app.getHttpServer() as { address(): { port: number } }).address();
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    close: async () => {
      const store = app.get<TraceStore | null>(TRACE_STORE);
      await app.close();
      await store?.close();
    },
  };
}
