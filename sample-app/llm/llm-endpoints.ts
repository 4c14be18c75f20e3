import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { SampleEnvironment } from '../config/environment.js';
import { startModelServer, type ModelServer } from '../model-server/model-server.js';

/** Where one provider's API is and the key to use. */
export interface ProviderEndpoint {
  baseUrl: string;
  apiKey: string;
  /** True when served by the embedded local model server. */
  local: boolean;
}

const LOCAL_KEY = 'local-model-server';

/**
 * Decides where LLM calls go. A provider with neither a key nor a base URL configured talks to the embedded
 * local model server, started here on 127.0.0.1 (MODEL_SERVER_PORT, else a free port) and stopped with the app.
 */
export class LlmEndpoints implements OnApplicationShutdown {
  private static readonly logger = new Logger('LlmEndpoints');

  private constructor(
    readonly openai: ProviderEndpoint,
    readonly anthropic: ProviderEndpoint,
    private readonly localServer: ModelServer | undefined,
  ) {}

  static async resolve(config: ConfigService<SampleEnvironment, true>): Promise<LlmEndpoints> {
    const openaiKey = config.get('OPENAI_API_KEY', { infer: true });
    const openaiUrl = config.get('OPENAI_BASE_URL', { infer: true });
    const anthropicKey = config.get('ANTHROPIC_API_KEY', { infer: true });
    const anthropicUrl = config.get('ANTHROPIC_BASE_URL', { infer: true });
    const openaiLocal = !openaiKey && !openaiUrl;
    const anthropicLocal = !anthropicKey && !anthropicUrl;
    const server = openaiLocal || anthropicLocal ? await startModelServer({ port: config.get('MODEL_SERVER_PORT', { infer: true }) }) : undefined;
    if (server) LlmEndpoints.logger.log(`Local model server on ${server.url} (no API key configured for ${[openaiLocal && 'OpenAI', anthropicLocal && 'Anthropic'].filter(Boolean).join(' and ')})`);
    return new LlmEndpoints(
      server && openaiLocal
        ? { baseUrl: `${server.url}/v1`, apiKey: LOCAL_KEY, local: true }
        : { baseUrl: openaiUrl ?? 'https://api.openai.com/v1', apiKey: openaiKey ?? LOCAL_KEY, local: false },
      server && anthropicLocal
        ? { baseUrl: server.url, apiKey: LOCAL_KEY, local: true }
        : { baseUrl: anthropicUrl ?? 'https://api.anthropic.com', apiKey: anthropicKey ?? LOCAL_KEY, local: false },
      server,
    );
  }

  /** URL of the embedded model server, when it runs. */
  get localServerUrl(): string | undefined {
    return this.localServer?.url;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.localServer?.close();
  }
}
