import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ResolvedTracingConfig } from '../../config/resolved-config.js';
import { TRACING_CONFIG } from '../../tracing.constants.js';
import { TracingService } from '../../tracing.service.js';
import { explorerDeployedWithoutToken, explorerWithoutStore } from '../../tracing.messages.js';
import { TraceStoreService } from '../trace-store.service.js';
import { mountExplorer, normalizeBase } from './explorer.routes.js';

/**
 * Mounts the trace explorer on the app's HTTP adapter (Express or Fastify) during module init, when
 * `explorer.enabled` is set and the store is on. Does nothing in an app without an HTTP server.
 */
@Injectable()
export class ExplorerMount implements OnModuleInit {
  private readonly logger = new Logger('AiTracing');
  private mountedAt: string | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TRACING_CONFIG) private readonly config: ResolvedTracingConfig,
    private readonly traces: TraceStoreService,
    // Optional: the store and explorer providers also run without the rest of the module (their tests).
    @Optional() private readonly tracing?: TracingService,
  ) {}

  /** Mount path of the explorer, or `undefined` when it is not served. */
  get path(): string | undefined {
    return this.mountedAt;
  }

  onModuleInit(): void {
    const { explorer } = this.config;
    if (!this.config.enabled || !explorer.enabled) return;
    if (!this.traces.enabled) {
      this.logger.warn(explorerWithoutStore());
      return;
    }
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    mountExplorer(
      adapter,
      { path: explorer.path, token: explorer.token, allowedHosts: explorer.allowedHosts, health: () => this.tracing?.health() },
      this.traces,
    );
    if (explorer.deployed && !explorer.token) this.logger.warn(explorerDeployedWithoutToken());
    this.mountedAt = normalizeBase(explorer.path) || '/';
  }
}
