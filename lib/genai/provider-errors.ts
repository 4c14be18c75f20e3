import { isFields, text } from '../cost/usage-readers.js';
import type { ProviderErrorCategory, ProviderFailure } from './provider-call.js';

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ERR_SSL_PROTOCOL_ERROR']);

/**
 * What kind of failure a thrown value is, for the provider span: the SDKs' error classes (OpenAI and Anthropic
 * `RateLimitError`, `APIConnectionTimeoutError`, `APIConnectionError`, `APIUserAbortError`), any error with an
 * HTTP `status`, AWS SDK errors (`$metadata.httpStatusCode`, `ThrottlingException`), `fetch` network failures
 * (`cause.code`) and abort/timeout signals. Undefined for errors that are not about reaching the provider.
 */
export function classifyFailure(error: unknown): ProviderFailure | undefined {
  if (!isFields(error) && !(error instanceof Error)) return undefined;
  const e = error as Record<string, unknown>;
  const name = error instanceof Error ? `${error.constructor?.name ?? ''} ${error.name}` : text(e.name) ?? '';
  const status = httpStatus(e);
  const code = apiErrorCode(e);
  const withDetails = (category: ProviderErrorCategory): ProviderFailure => {
    const failure: ProviderFailure = { category };
    if (status !== undefined) failure.status = status;
    if (code !== undefined) failure.code = code;
    return failure;
  };
  if (/Timeout|TimedOut/i.test(name)) return withDetails('timeout');
  if (/Abort/.test(name)) return withDetails('cancelled');
  if (status !== undefined) return withDetails(categoryOfStatus(status));
  if (/Throttl|TooManyRequests/.test(name)) return withDetails('rate_limited');
  const errno = text(e.code) ?? (isFields(e.cause) ? text(e.cause.code) : undefined);
  if (errno && TIMEOUT_CODES.has(errno)) return withDetails('timeout');
  if ((errno && NETWORK_CODES.has(errno)) || /Connection/.test(name) || (error instanceof TypeError && /fetch failed|network/i.test(error.message))) {
    return withDetails('network');
  }
  return undefined;
}

/** The category of an HTTP answer's status (429 rate limited, 408/504 timeout, other 5xx server, other 4xx client). */
export function categoryOfStatus(status: number): ProviderErrorCategory {
  if (status === 429) return 'rate_limited';
  if (status === 408 || status === 504) return 'timeout';
  return status >= 500 ? 'server_error' : 'client_error';
}

function httpStatus(e: Record<string, unknown>): number | undefined {
  const metadata = isFields(e.$metadata) ? e.$metadata.httpStatusCode : undefined;
  const response = isFields(e.response) ? e.response.status : undefined;
  for (const candidate of [e.status, e.statusCode, metadata, response]) {
    if (typeof candidate === 'number' && Number.isInteger(candidate) && candidate >= 400 && candidate < 600) return candidate;
  }
  return undefined;
}

/** The provider's code carried by an SDK error: OpenAI `code`/`type`, Anthropic `error.error.type`, `errorType`. */
function apiErrorCode(e: Record<string, unknown>): string | undefined {
  const body = e.error;
  return (
    (httpStatus(e) !== undefined ? text(e.code) : undefined) ??
    providerErrorCode(body) ??
    text(e.errorType) ??
    (httpStatus(e) !== undefined ? text(e.type) : undefined)
  );
}

/**
 * The provider's error code in an error body: OpenAI `{ error: { code, type } }`, Anthropic
 * `{ type: 'error', error: { type } }` (also the `error` field of its SDK errors), Gemini
 * `{ error: { status } }`.
 */
export function providerErrorCode(body: unknown): string | undefined {
  if (!isFields(body)) return undefined;
  const inner = isFields(body.error) ? body.error : body.type === 'error' ? undefined : body;
  if (!inner) return undefined;
  return text(inner.code) ?? text(inner.type) ?? text(inner.status);
}
