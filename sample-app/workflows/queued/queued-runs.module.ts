import { BullModule } from '@nestjs/bullmq';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { BullMqTelemetry } from 'nestjs-ai-tracing';
import { WorkflowsModule } from '../workflows.module.js';
import { QUEUE_AVAILABILITY, WORKFLOW_RUNS_QUEUE, type QueueAvailability } from './queued-runs.types.js';
import { QueuedRunsService } from './queued-runs.service.js';
import { probeRedis } from './redis-connection.js';
import { RunAuditListener } from './run-audit.listener.js';
import { WorkflowRunProcessor } from './workflow-run.processor.js';

/**
 * Queued workflow runs on BullMQ (`@nestjs/bullmq`). Tracing them takes one line: `telemetry: new
 * BullMqTelemetry()` in `BullModule.forRoot`. Redis is probed once at startup: when it answers, the queue and its
 * processor are registered; when it does not, the app starts without them and `QueuedRunsService` answers 503
 * with the reason (rather than BullMQ retrying and logging a connection error every few hundred ms).
 */
@Module({})
export class QueuedRunsModule {
  static async forRoot(): Promise<DynamicModule> {
    // REDIS_URL and BULLMQ_PREFIX, validated with their defaults, are in process.env once ConfigModule loaded them.
    await ConfigModule.envVariablesLoaded;
    const redisUrl = process.env.REDIS_URL!;
    const probe = await probeRedis(redisUrl);
    const availability: QueueAvailability = probe.reachable ? { available: true, redisUrl } : { available: false, redisUrl, reason: probe.reason };
    const base = {
      module: QueuedRunsModule,
      global: true,
      providers: [{ provide: QUEUE_AVAILABILITY, useValue: availability }, QueuedRunsService, RunAuditListener],
      exports: [QueuedRunsService, QUEUE_AVAILABILITY],
    };
    if (!probe.reachable) {
      new Logger('QueuedRuns').warn(`Queued runs are off: Redis at ${redisUrl} (REDIS_URL) is not reachable (${probe.reason}); ?mode=queued answers 503.`);
      return { ...base, imports: [WorkflowsModule] };
    }
    return {
      ...base,
      imports: [
        WorkflowsModule,
        BullModule.forRoot({ connection: { url: redisUrl }, prefix: process.env.BULLMQ_PREFIX, telemetry: new BullMqTelemetry() }),
        BullModule.registerQueue({ name: WORKFLOW_RUNS_QUEUE }),
      ],
      providers: [...base.providers, WorkflowRunProcessor],
    };
  }
}
