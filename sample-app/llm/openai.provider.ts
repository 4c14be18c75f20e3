import { Injectable } from '@nestjs/common';
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { Stream } from 'openai/core/streaming';
import { TraceProvider, tracedFetch } from 'nestjs-ai-tracing';
import type { LlmCallOptions } from './llm-call-options.js';
import { LlmEndpoints } from './llm-endpoints.js';

/**
 * OpenAI Chat Completions through the official `openai` client. `@TraceProvider` reads the request (model,
 * parameters, messages when content is captured), token usage (cached and reasoning tokens included), the
 * response model, id and finish reason, and prices the call. The client's `fetch` is the library's traced one,
 * so each HTTP attempt (a retried 429 too) is a span under the call, with the rate-limit headers.
 */
@Injectable()
export class OpenAiProvider {
  private readonly client: OpenAI;

  constructor(endpoints: LlmEndpoints) {
    this.client = new OpenAI({ apiKey: endpoints.openai.apiKey, baseURL: endpoints.openai.baseUrl, maxRetries: 1, fetch: tracedFetch });
  }

  /** One chat completion. */
  @TraceProvider({ provider: 'openai' })
  complete(request: ChatCompletionCreateParamsNonStreaming, options: LlmCallOptions = {}): Promise<ChatCompletion> {
    return this.client.chat.completions.create(request, { signal: options.signal });
  }

  /**
   * A streamed chat completion. The span ends when the stream is fully consumed (or the consumer stops);
   * ask for `stream_options: { include_usage: true }` so the last chunk carries the token usage.
   */
  @TraceProvider({ provider: 'openai' })
  stream(request: ChatCompletionCreateParamsStreaming, options: LlmCallOptions = {}): Promise<Stream<ChatCompletionChunk>> {
    return this.client.chat.completions.create(request, { signal: options.signal });
  }
}
