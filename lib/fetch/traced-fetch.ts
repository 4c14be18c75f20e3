import { context, SpanKind, SpanStatusCode, type Attributes, type Context } from '@opentelemetry/api';
import { getRuntime } from '../core/runtime.js';
import { safeExecute } from '../core/safe-execute.js';
import { safeStringify } from '../core/serialize.js';
import { markError, runInSpan, type SpanSpec } from '../core/span-engine.js';
import { getScope, type SpanScope } from '../core/span-scope.js';
import type { ProviderCall } from '../genai/provider-call.js';
import { providerErrorCode } from '../genai/provider-errors.js';
import { redactQuery } from '../interceptors/http-exchange.js';
import { HttpAttributes, ProviderAttributes } from '../semconv.js';
import { isRecordedHeader } from './recorded-headers.js';

/** The `fetch` signature the SDKs accept (`new OpenAI({ fetch })`, `new Anthropic({ fetch })`). */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);
/** Error bodies read for the provider's error code: at most this much, for at most this long. */
const ERROR_BODY_MAX_BYTES = 64 * 1024;
const ERROR_BODY_TIMEOUT_MS = 2000;

/**
 * A `fetch` that traces every HTTP attempt as a CLIENT span (HTTP client semantic conventions): under the
 * `@TraceProvider` span when an SDK calls it inside one, so the SDK's retries show as sibling attempts with
 * `http.request.resend_count`. Each attempt records the method, server, URL (credentials and secret-looking query
 * parameters redacted), status, the rate-limit and retry headers (`x-ratelimit-*`, `anthropic-ratelimit-*`,
 * `retry-after`, request ids) and, for an error answer, the provider's error code read from a copy of the body.
 * The provider span gets the attempt count, the server and the last status and error code. Request headers
 * (API keys) are never recorded; the error body only with content capture. Tracing disabled: `base` as is.
 * @example
 * const client = new OpenAI({ fetch: createTracedFetch() });
 */
export function createTracedFetch(base?: FetchFunction): FetchFunction {
  return function tracedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const target = base ?? (globalThis.fetch as FetchFunction);
    if (!getRuntime().enabled) return target(input, init);
    const active = context.active();
    const spec = safeExecute('traced fetch description', () => attemptSpec(input, init, active));
    if (!spec) return target(input, init);
    return runInSpan(spec, () => target(input, init), active);
  };
}

/** `createTracedFetch()` over the global `fetch`, for SDK options: `new OpenAI({ fetch: tracedFetch })`. */
export const tracedFetch: FetchFunction = createTracedFetch();

function attemptSpec(input: string | URL | Request, init: RequestInit | undefined, active: Context): SpanSpec {
  const runtime = getRuntime();
  const rawMethod = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const method = METHODS.has(rawMethod) ? rawMethod : '_OTHER';
  const url = new URL(input instanceof Request ? input.url : String(input));
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const call = getScope(active)?.closest('provider')?.call;
  const attributes: Attributes = {
    [HttpAttributes.REQUEST_METHOD]: method,
    [HttpAttributes.SERVER_ADDRESS]: url.hostname,
    [HttpAttributes.SERVER_PORT]: port,
    [HttpAttributes.URL_FULL]: fullUrl(url, runtime.isSecretKey),
  };
  const resends = call ? call.attempts : retryCountHeader(input, init);
  if (resends > 0) attributes[HttpAttributes.REQUEST_RESEND_COUNT] = resends;
  if (call) {
    call.attempts += 1;
    call.serverAddress = url.hostname;
    call.serverPort = port;
  }
  let errorBody: Promise<void> | undefined;
  return {
    name: method === '_OTHER' ? 'HTTP' : method,
    role: 'http_client',
    kind: SpanKind.CLIENT,
    attributes,
    // Bodies are not the attempt's input: the provider span holds the request.
    captureContent: false,
    onResult: (scope, value) => {
      if (!(value instanceof Response)) return;
      errorBody = recordResponse(scope, value, call);
    },
    onError: (scope, error) => {
      markError(scope, error);
      const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
      if (typeof code === 'string') scope.span.setAttribute(HttpAttributes.ERROR_TYPE, code);
    },
    endAfter: () => errorBody ?? DONE,
  };
}

const DONE = Promise.resolve();

/** Status, recorded headers, and (error answers) the provider's code from a copy of the body. */
function recordResponse(scope: SpanScope, response: Response, call: ProviderCall | undefined): Promise<void> | undefined {
  const span = scope.span;
  const status = response.status;
  const attributes: Attributes = { [HttpAttributes.RESPONSE_STATUS_CODE]: status };
  response.headers.forEach((value, name) => {
    if (isRecordedHeader(name)) attributes[`${HttpAttributes.RESPONSE_HEADER}.${name}`] = [value];
  });
  span.setAttributes(attributes);
  if (call) call.httpStatus = status;
  if (status < 400) return undefined;
  span.setAttribute(HttpAttributes.ERROR_TYPE, String(status));
  span.setStatus({ code: SpanStatusCode.ERROR });
  const copy = safeExecute('error body copy', () => response.clone());
  return copy ? readErrorBody(copy, scope, call) : undefined;
}

async function readErrorBody(copy: Response, scope: SpanScope, call: ProviderCall | undefined): Promise<void> {
  const text = await boundedText(copy).catch(() => undefined);
  if (text === undefined) return;
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    return;
  }
  const code = providerErrorCode(body);
  if (code) {
    scope.span.setAttribute(ProviderAttributes.ERROR_CODE, code);
    if (call) call.errorCode = code;
  }
  const runtime = getRuntime();
  if (runtime.captureContent) scope.span.setAttribute(HttpAttributes.RESPONSE_BODY, safeStringify(body, runtime.maxContentLength, runtime.isSecretKey));
}

/** The body as text, read up to `ERROR_BODY_MAX_BYTES` and for at most `ERROR_BODY_TIMEOUT_MS`. */
async function boundedText(response: Response): Promise<string | undefined> {
  const reader = response.body?.getReader();
  if (!reader) return undefined;
  const timer = setTimeout(() => void reader.cancel().catch(() => undefined), ERROR_BODY_TIMEOUT_MS);
  timer.unref?.();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > ERROR_BODY_MAX_BYTES) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The URL without credentials, secret-looking query parameters (and Gemini's `key`) redacted. */
function fullUrl(url: URL, isSecretKey: (key: string) => boolean): string {
  const clean = new URL(url.href);
  clean.username = '';
  clean.password = '';
  const query = clean.search.slice(1);
  clean.search = '';
  const redacted = query === '' ? '' : `?${redactQuery(query, (key) => isSecretKey(key) || key.toLowerCase() === 'key')}`;
  return `${clean.href}${redacted}`;
}

/** Outside a provider span: the retry count the Stainless SDKs (OpenAI, Anthropic) send in `x-stainless-retry-count`. */
function retryCountHeader(input: string | URL | Request, init: RequestInit | undefined): number {
  try {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const count = Number(headers.get('x-stainless-retry-count'));
    return Number.isInteger(count) && count > 0 ? count : 0;
  } catch {
    return 0;
  }
}
