import { Module, StandardSchemaValidationPipe, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TracingModule } from 'nestjs-ai-tracing';
import { AgentsModule } from './agents/agents.module.js';
import { AuthModule } from './auth/auth.module.js';
import { validateEnvironment } from './config/environment.js';
import { tracingOptions } from './config/tracing.options.js';
import { HealthController } from './health/health.controller.js';
import { KnowledgeModule } from './knowledge/knowledge.module.js';
import { LlmModule } from './llm/llm.module.js';
import { RealtimeModule } from './realtime/realtime.module.js';
import { QueuedRunsModule } from './workflows/queued/queued-runs.module.js';
import { WorkflowsModule } from './workflows/workflows.module.js';

/** Options of `AppModule.forRoot`. */
export interface AppModuleOptions {
  /** `.env` file to read (relative to the working directory), or false to read the process environment only. @default 'sample-app/.env' */
  envFile?: string | false;
}

/** The support-assistant backend: workflows, an agent and a chat gateway, traced by `TracingModule`. */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions = {}): DynamicModule {
    const envFile = options.envFile ?? 'sample-app/.env';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          envFilePath: envFile === false ? [] : envFile,
          ignoreEnvFile: envFile === false,
          validate: validateEnvironment,
        }),
        TracingModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: tracingOptions,
        }),
        EventEmitterModule.forRoot(),
        AuthModule,
        KnowledgeModule,
        LlmModule,
        WorkflowsModule,
        QueuedRunsModule.forRoot(),
        AgentsModule,
        RealtimeModule,
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_PIPE, useValue: new StandardSchemaValidationPipe() }],
    };
  }
}
