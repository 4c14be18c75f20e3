import type { Attributes } from '@opentelemetry/api';
import { IncomingMessage, ServerResponse, type IncomingHttpHeaders } from 'node:http';
import { HttpAttributes } from '../semconv.js';
import { splitTarget } from './request-path.js';

/** One HTTP request as the interceptor sees it, on Express or Fastify. */
export interface HttpExchange {
  /** The framework request (Express `req`, Fastify `FastifyRequest`): what user readers receive. */
  request: unknown;
  /** The Node request under it. */
  raw: IncomingMessage;
  /** The Node response under the framework one (Fastify `reply.raw`). */
  response: ServerResponse;
}

interface FrameworkRequest {
  raw?: IncomingMessage;
  originalUrl?: unknown;
  baseUrl?: unknown;
  route?: { path?: unknown };
  routeOptions?: { url?: unknown };
  protocol?: unknown;
  ip?: unknown;
}

const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'QUERY', 'TRACE']);

/** The exchange of a framework request/response pair (Express `req`/`res`, Fastify `request`/`reply`). */
export function exchangeOf(request: unknown, response: unknown): HttpExchange | undefined {
  // Express's request and response are Node's own (a cheap prototype check); Fastify's wrap them as `raw`. A
  // missing property read on an Express object walks its long prototype chain: asked only when needed.
  if (request instanceof IncomingMessage && response instanceof ServerResponse) return { request, raw: request, response };
  const raw = (request as FrameworkRequest | undefined)?.raw ?? request;
  const rawResponse = (response as { raw?: unknown } | undefined)?.raw ?? response;
  if (!isNodeRequest(raw) || !isNodeResponse(rawResponse)) return undefined;
  return { request, raw, response: rawResponse };
}

/**
 * The route template the framework matched, global prefix and URI version included (`/api/v1/items/:id`):
 * Fastify's `routeOptions.url`, Express's `baseUrl` + `route.path`. Undefined when no route matched.
 */
export function routeTemplate(request: unknown): string | undefined {
  const r = request as FrameworkRequest;
  const fastifyUrl = r.routeOptions?.url;
  if (typeof fastifyUrl === 'string' && fastifyUrl !== '') return fastifyUrl;
  const expressPath = r.route?.path;
  if (typeof expressPath !== 'string') return undefined;
  const base = typeof r.baseUrl === 'string' ? r.baseUrl : '';
  return `${base}${expressPath}` || '/';
}

/** `http.request.method` per the semantic conventions: a known method in upper case, else `_OTHER`. */
export function requestMethod(raw: IncomingMessage): string {
  const method = raw.method ?? '';
  // Node's parser already upper-cases the methods it knows: the case-insensitive retry is for the rest.
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/**
 * The request target split into path and query (without `?`), scheme and host of an absolute-form target
 * dropped; Express's `originalUrl` survives mounting.
 */
export function requestTarget(exchange: HttpExchange): { path: string; query: string | undefined } {
  const original = (exchange.request as FrameworkRequest).originalUrl;
  return splitTarget(typeof original === 'string' ? original : (exchange.raw.url ?? '/'));
}

/**
 * The request attributes known at start (the semantic conventions' sampling-relevant ones included).
 * `client.address` and `url.scheme` are the immediate peer's unless the request carries `X-Forwarded-For`/
 * `-Proto`: then they are what the framework makes of it (Express's and Fastify's `ip`/`protocol`, which follow
 * their `trust proxy` setting). Both frameworks answer the peer's address and scheme when those headers are
 * absent, so only then is the framework asked: its trust-proxy evaluation is the costly part.
 */
export function requestAttributes(exchange: HttpExchange, method: string, route: string | undefined, path: string): Attributes {
  const { request, raw } = exchange;
  const headers = raw.headers;
  const server = hostAndPort(headers);
  const userAgent = headers['user-agent'];
  const client = clientAddress(request as FrameworkRequest, raw);
  const attributes: Attributes = {
    [HttpAttributes.REQUEST_METHOD]: method,
    [HttpAttributes.URL_PATH]: path,
    [HttpAttributes.URL_SCHEME]: scheme(request as FrameworkRequest, raw),
  };
  if (route !== undefined) attributes[HttpAttributes.ROUTE] = route;
  if (server.address !== undefined) attributes[HttpAttributes.SERVER_ADDRESS] = server.address;
  if (server.port !== undefined) attributes[HttpAttributes.SERVER_PORT] = server.port;
  if (typeof userAgent === 'string') attributes[HttpAttributes.USER_AGENT] = userAgent;
  if (client !== undefined) attributes[HttpAttributes.CLIENT_ADDRESS] = client;
  return attributes;
}

/**
 * The query string with the values of secret parameters replaced by `REDACTED`, as the semantic conventions
 * ask; everything else keeps its original encoding. Keys are read as the app's query parser reads them:
 * percent-decoded (`token%00`, `%74oken`, `token+`) and in bracket notation (`token[]`, `api_key[0]`,
 * `user[token]`), which the matcher splits into segments.
 */
export function redactQuery(query: string, isSecretKey: (key: string) => boolean): string {
  return query
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq === -1) return part;
      const rawKey = part.slice(0, eq);
      const key = decodeKey(rawKey);
      return isSecretKey(key) || isSignatureKey(key) ? `${rawKey}=REDACTED` : part;
    })
    .join('&');
}

/** Query parameters the semantic conventions name as credentials, whatever the redaction list says. */
function isSignatureKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return k === 'sig' || k.endsWith('signature') || k === 'awsaccesskeyid';
}

/** Percent-decoded key (`+` is a space); a malformed escape elsewhere does not stop the ASCII ones decoding. */
function decodeKey(rawKey: string): string {
  const spaced = rawKey.replace(/\+/g, ' ');
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced.replace(/%([0-7][0-9a-f])/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

function scheme(request: FrameworkRequest, raw: IncomingMessage): string {
  if (raw.headers['x-forwarded-proto'] !== undefined && (request.protocol === 'http' || request.protocol === 'https')) return request.protocol;
  return (raw.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http';
}

function clientAddress(request: FrameworkRequest, raw: IncomingMessage): string | undefined {
  if (raw.headers['x-forwarded-for'] !== undefined && typeof request.ip === 'string') return request.ip;
  return raw.socket?.remoteAddress;
}

/** The last Host header parsed and its result: an app is mostly reached under one or a few names. */
let lastHost: { host: string; parsed: { address?: string; port?: number } } = { host: '', parsed: {} };

/** `server.address`/`server.port` from the Host header (or HTTP/2 `:authority`), IPv6 literals included. */
function hostAndPort(headers: IncomingHttpHeaders): { readonly address?: string; readonly port?: number } {
  const host = headers[':authority'] ?? headers.host;
  if (typeof host !== 'string' || host === '') return {};
  if (host === lastHost.host) return lastHost.parsed;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  // Digits outside 1-65535 (`:99999`, `:100000000000000000000`) are no port: the address stays, server.port goes.
  const digits = match?.[2];
  const port = digits !== undefined && digits.length <= 5 ? Number(digits) : 0;
  const parsed = match ? { address: match[1]!, port: port >= 1 && port <= 65_535 ? port : undefined } : {};
  lastHost = { host, parsed };
  return parsed;
}

function isNodeRequest(value: unknown): value is IncomingMessage {
  const v = value as { headers?: unknown; on?: unknown } | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.headers === 'object' && typeof v.on === 'function';
}

function isNodeResponse(value: unknown): value is ServerResponse {
  const v = value as { setHeader?: unknown; on?: unknown } | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.setHeader === 'function' && typeof v.on === 'function';
}
