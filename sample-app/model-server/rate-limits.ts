/** Rate limiting as the OpenAI and Anthropic APIs report it, with 429s the client can be made to hit. */
export interface RateLimitOptions {
  /**
   * Answer the first N requests to each API with a 429 (as an account at its requests-per-minute limit would),
   * then serve normally. @default { openai: 0, anthropic: 0 }
   */
  rejectFirst?: { openai?: number; anthropic?: number };
  /** What a 429 tells the client to wait (`retry-after-ms`; `retry-after` says 1 s). @default 20 */
  retryAfterMs?: number;
}

/** The answer of the rate limiter to one request: headers to send, and the 429 body when it is refused. */
export interface RateLimitVerdict {
  headers: Record<string, string>;
  rejection?: unknown;
}

type Api = 'openai' | 'anthropic';

const REQUESTS_PER_MINUTE: Record<Api, number> = { openai: 500, anthropic: 50 };
const TOKENS_PER_MINUTE: Record<Api, number> = { openai: 200_000, anthropic: 40_000 };

/**
 * Counts requests per API and answers with the headers the real APIs send on every response (OpenAI
 * `x-ratelimit-*`, Anthropic `anthropic-ratelimit-*`, request ids), plus `retry-after` on a 429.
 */
export class RateLimits {
  private readonly served: Record<Api, number> = { openai: 0, anthropic: 0 };
  private readonly refused: Record<Api, number> = { openai: 0, anthropic: 0 };

  constructor(private readonly options: RateLimitOptions = {}) {}

  check(api: Api, requestId: string, model: string): RateLimitVerdict {
    const limited = this.refused[api] < (this.options.rejectFirst?.[api] ?? 0);
    if (limited) this.refused[api] += 1;
    else this.served[api] += 1;
    const remaining = limited ? 0 : Math.max(0, REQUESTS_PER_MINUTE[api] - this.served[api]);
    const headers = api === 'openai' ? openAiHeaders(requestId, remaining) : anthropicHeaders(requestId, remaining);
    if (!limited) return { headers };
    const wait = this.options.retryAfterMs ?? 20;
    Object.assign(headers, { 'retry-after': '1', 'retry-after-ms': String(wait) });
    return { headers, rejection: api === 'openai' ? openAiRejection(model, wait) : anthropicRejection() };
  }
}

function openAiHeaders(requestId: string, remaining: number): Record<string, string> {
  return {
    'x-request-id': requestId,
    'x-ratelimit-limit-requests': String(REQUESTS_PER_MINUTE.openai),
    'x-ratelimit-remaining-requests': String(remaining),
    'x-ratelimit-reset-requests': '120ms',
    'x-ratelimit-limit-tokens': String(TOKENS_PER_MINUTE.openai),
    'x-ratelimit-remaining-tokens': String(TOKENS_PER_MINUTE.openai - 1_000),
    'x-ratelimit-reset-tokens': '300ms',
  };
}

function anthropicHeaders(requestId: string, remaining: number): Record<string, string> {
  const reset = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    'request-id': requestId,
    'anthropic-ratelimit-requests-limit': String(REQUESTS_PER_MINUTE.anthropic),
    'anthropic-ratelimit-requests-remaining': String(remaining),
    'anthropic-ratelimit-requests-reset': reset,
    'anthropic-ratelimit-tokens-limit': String(TOKENS_PER_MINUTE.anthropic),
    'anthropic-ratelimit-tokens-remaining': String(TOKENS_PER_MINUTE.anthropic - 1_000),
    'anthropic-ratelimit-tokens-reset': reset,
  };
}

function openAiRejection(model: string, waitMs: number) {
  return {
    error: {
      message: `Rate limit reached for ${model} in organization org-local on requests per min (RPM): Limit ${REQUESTS_PER_MINUTE.openai}, Used ${REQUESTS_PER_MINUTE.openai}, Requested 1. Please try again in ${waitMs}ms.`,
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    },
  };
}

function anthropicRejection() {
  return {
    type: 'error',
    error: { type: 'rate_limit_error', message: `This request would exceed your organization's rate limit of ${REQUESTS_PER_MINUTE.anthropic} requests per minute.` },
  };
}
