import type { ExecutionContext } from '@nestjs/common';
import type { Attributes } from '@opentelemetry/api';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { HttpAttributes } from '../semconv.js';

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

/** The Node request/response behind an HTTP execution context, whatever the platform. */
export function httpExchange(ctx: ExecutionContext): HttpExchange | undefined {
  const http = ctx.switchToHttp();
  return exchangeOf(http.getRequest<unknown>(), http.getResponse<unknown>());
}

/** The exchange of a framework request/response pair (Express `req`/`res`, Fastify `request`/`reply`). */
export function exchangeOf(request: unknown, response: unknown): HttpExchange | undefined {
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
  const method = (raw.method ?? '').toUpperCase();
  return KNOWN_METHODS.has(method) ? method : '_OTHER';
}

/** The request target split into path and query (without `?`); Express's `originalUrl` survives mounting. */
export function requestTarget(exchange: HttpExchange): { path: string; query: string | undefined } {
  const original = (exchange.request as FrameworkRequest).originalUrl;
  const target = typeof original === 'string' ? original : (exchange.raw.url ?? '/');
  const mark = target.indexOf('?');
  if (mark === -1) return { path: target, query: undefined };
  return { path: target.slice(0, mark), query: target.slice(mark + 1) };
}

/** The request attributes known at start (the semantic conventions' sampling-relevant ones included). */
export function requestAttributes(exchange: HttpExchange, method: string, route: string | undefined, path: string): Attributes {
  const { request, raw } = exchange;
  const r = request as FrameworkRequest;
  const server = hostAndPort(raw.headers);
  const userAgent = raw.headers['user-agent'];
  const client = typeof r.ip === 'string' ? r.ip : raw.socket?.remoteAddress;
  const attributes: Attributes = {
    [HttpAttributes.REQUEST_METHOD]: method,
    [HttpAttributes.URL_PATH]: path,
    [HttpAttributes.URL_SCHEME]: scheme(r, raw),
  };
  if (route !== undefined) attributes[HttpAttributes.ROUTE] = route;
  if (server.address !== undefined) attributes[HttpAttributes.SERVER_ADDRESS] = server.address;
  if (server.port !== undefined) attributes[HttpAttributes.SERVER_PORT] = server.port;
  if (typeof userAgent === 'string') attributes[HttpAttributes.USER_AGENT] = userAgent;
  if (client !== undefined) attributes[HttpAttributes.CLIENT_ADDRESS] = client;
  return attributes;
}

/**
 * The query string with the values of secret-looking parameters replaced by `REDACTED`, as the semantic
 * conventions ask; everything else keeps its original encoding.
 */
export function redactQuery(query: string, isSecretKey: (key: string) => boolean): string {
  return query
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq === -1) return part;
      const rawKey = part.slice(0, eq);
      return isSecretKey(decodeKey(rawKey)) || isSignatureKey(rawKey) ? `${rawKey}=REDACTED` : part;
    })
    .join('&');
}

/**
 * Resolves once the response has been fully sent ('finish') or its connection closed first ('close'): only
 * then are the final status code (after exception filters) and the end of a streamed body known.
 */
export function whenResponseDone(response: ServerResponse): Promise<void> {
  if (response.writableFinished || response.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      response.off('finish', done);
      response.off('close', done);
      resolve();
    };
    response.on('finish', done);
    response.on('close', done);
  });
}

/** Query parameters the semantic conventions name as credentials besides the secret-looking keys. */
function isSignatureKey(rawKey: string): boolean {
  const key = decodeKey(rawKey).toLowerCase().replace(/[-_]/g, '');
  return key === 'sig' || key.endsWith('signature') || key === 'awsaccesskeyid';
}

function decodeKey(rawKey: string): string {
  try {
    return decodeURIComponent(rawKey.replace(/\+/g, ' '));
  } catch {
    return rawKey;
  }
}

function scheme(request: FrameworkRequest, raw: IncomingMessage): string {
  if (request.protocol === 'http' || request.protocol === 'https') return request.protocol;
  return (raw.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http';
}

/** `server.address`/`server.port` from the Host header (or HTTP/2 `:authority`), IPv6 literals included. */
function hostAndPort(headers: IncomingHttpHeaders): { address?: string; port?: number } {
  const host = headers[':authority'] ?? headers.host;
  if (typeof host !== 'string' || host === '') return {};
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (!match) return {};
  return { address: match[1]!, port: match[2] === undefined ? undefined : Number(match[2]) };
}

function isNodeRequest(value: unknown): value is IncomingMessage {
  const v = value as { headers?: unknown; on?: unknown } | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.headers === 'object' && typeof v.on === 'function';
}

function isNodeResponse(value: unknown): value is ServerResponse {
  const v = value as { setHeader?: unknown; on?: unknown } | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.setHeader === 'function' && typeof v.on === 'function';
}
