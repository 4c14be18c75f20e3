/**
 * Response headers a provider's HTTP attempt records, as `http.response.header.<name>`: its rate limits
 * (OpenAI `x-ratelimit-*`, Anthropic `anthropic-ratelimit-*`, the `ratelimit-*` and `x-ratelimit-*` of other
 * gateways), when to retry (`retry-after`, `retry-after-ms`, `x-should-retry`) and the request id support asks
 * for. Nothing else: no cookies, no auth.
 */
export function isRecordedHeader(name: string): boolean {
  return (
    name.startsWith('x-ratelimit-') ||
    name.startsWith('anthropic-ratelimit-') ||
    name.startsWith('ratelimit-') ||
    name === 'retry-after' ||
    name === 'retry-after-ms' ||
    name === 'x-should-retry' ||
    name === 'x-request-id' ||
    name === 'request-id'
  );
}
