import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { SampleEnvironment } from '../config/environment.js';
import { AnthropicProvider } from './anthropic.provider.js';
import { LlmEndpoints } from './llm-endpoints.js';
import { OpenAiProvider } from './openai.provider.js';

/** LLM providers (OpenAI, Anthropic) and where their calls go. */
@Module({
  providers: [
    { provide: LlmEndpoints, inject: [ConfigService], useFactory: (config: ConfigService<SampleEnvironment, true>) => LlmEndpoints.resolve(config) },
    OpenAiProvider,
    AnthropicProvider,
  ],
  exports: [OpenAiProvider, AnthropicProvider, LlmEndpoints],
})
export class LlmModule {}
