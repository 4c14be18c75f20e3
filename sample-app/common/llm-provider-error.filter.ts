import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { APIError } from 'openai';
import { AnthropicApiError } from '../llm/anthropic-api.error.js';

/**
 * An upstream LLM failure is not the caller's fault nor ours: answer 502 Bad Gateway with the provider's
 * message. (The request span then ends ERROR, with the provider span below it showing what failed.)
 */
@Catch(APIError, AnthropicApiError)
export class LlmProviderErrorFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: APIError | AnthropicApiError, host: ArgumentsHost): void {
    const provider = error instanceof AnthropicApiError ? 'anthropic' : 'openai';
    const { httpAdapter } = this.adapterHost;
    httpAdapter.reply(
      host.switchToHttp().getResponse(),
      { statusCode: HttpStatus.BAD_GATEWAY, error: 'Bad Gateway', message: `${provider}: ${error.message}`, upstreamStatus: error.status ?? null },
      HttpStatus.BAD_GATEWAY,
    );
  }
}
