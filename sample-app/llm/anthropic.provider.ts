import { Injectable } from '@nestjs/common';
import { TraceProvider, tracedFetch } from 'nestjs-ai-tracing';
import { AnthropicApiError } from './anthropic-api.error.js';
import type { AnthropicMessage, AnthropicMessageRequest, AnthropicStreamEvent } from './anthropic.types.js';
import type { LlmCallOptions } from './llm-call-options.js';
import { LlmEndpoints, type ProviderEndpoint } from './llm-endpoints.js';
import { readServerSentEvents } from './server-sent-events.js';

const API_VERSION = '2023-06-01';

/**
 * Anthropic Messages API over the library's traced `fetch` (one span per HTTP attempt). `@TraceProvider` reads
 * usage from the message (cache reads and writes included) and, for streams, from `message_start` and
 * `message_delta`; with content capture, the streamed answer is assembled from the `content_block_delta`s.
 */
@Injectable()
export class AnthropicProvider {
  private readonly endpoint: ProviderEndpoint;

  constructor(endpoints: LlmEndpoints) {
    this.endpoint = endpoints.anthropic;
  }

  /** One message. */
  @TraceProvider({ provider: 'anthropic' })
  async createMessage(request: AnthropicMessageRequest, options: LlmCallOptions = {}): Promise<AnthropicMessage> {
    const response = await this.post({ ...request, stream: false }, options.signal);
    return (await response.json()) as AnthropicMessage;
  }

  /**
   * A streamed message: resolves once the API accepted the request (errors surface here), then yields the
   * stream's events. The span ends when the events are fully consumed or the consumer stops.
   */
  @TraceProvider({ provider: 'anthropic' })
  async streamMessage(request: AnthropicMessageRequest & { stream: true }, options: LlmCallOptions = {}): Promise<AsyncIterable<AnthropicStreamEvent>> {
    const response = await this.post(request, options.signal);
    if (!response.body) throw new AnthropicApiError(response.status, 'api_error', 'streamed response has no body');
    return parseEvents(response.body);
  }

  private async post(body: AnthropicMessageRequest, signal: AbortSignal | undefined): Promise<Response> {
    const response = await tracedFetch(`${this.endpoint.baseUrl.replace(/\/+$/, '')}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': this.endpoint.apiKey,
        'anthropic-version': API_VERSION,
      },
      body: JSON.stringify(body),
      signal,
    });
    if (!response.ok) throw await AnthropicApiError.fromResponse(response);
    return response;
  }
}

async function* parseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<AnthropicStreamEvent> {
  for await (const { data } of readServerSentEvents(body)) {
    const event = JSON.parse(data) as AnthropicStreamEvent | { type: 'error'; error: { type: string; message: string } };
    if (event.type === 'error') throw new AnthropicApiError(500, event.error.type, event.error.message);
    yield event;
  }
}
