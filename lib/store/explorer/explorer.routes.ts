import type { AbstractHttpAdapter } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { reportOnce } from '../../core/safe-execute.js';
import { explorerUnauthorized, invalidTraceQuery } from '../../tracing.messages.js';
import type { QueryParams } from '../trace-query.types.js';
import { TraceQueryError } from '../trace-query.validation.js';
import type { TraceStoreService } from '../trace-store.service.js';
import { ExplorerAuth } from './explorer-auth.js';
import { renderExplorerPage, renderUnauthorizedPage } from './explorer.page.js';

/** Where and how the explorer is served. */
export interface ExplorerMountOptions {
  /** Absolute mount path, e.g. `/_tracing`. */
  path: string;
  /** Bearer token every request must carry; none when undefined. */
  token: string | undefined;
  /** The tracing pipeline's health, shown with the store's stats. */
  health?: () => unknown;
}

/** What one explorer request answers. */
interface Answer {
  status: number;
  json?: unknown;
  html?: string;
  headers?: Record<string, string>;
}

interface ExplorerRequest {
  url: URL;
  /** Mount path, without trailing slash (empty at the root). */
  base: string;
  query: QueryParams;
  headers: IncomingHttpHeaders;
  health: (() => unknown) | undefined;
}

type Route = (request: ExplorerRequest, service: TraceStoreService) => Answer;

const COMMON_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** JSON endpoints, relative to the mount path. `:traceId` is read from the URL by the handler. */
const API_ROUTES: Array<[string, Route]> = [
  ['/api/traces', (r, s) => ok(s.listTraces(r.query))],
  ['/api/traces/:traceId', (r, s) => {
    noQuery(r.query);
    const id = traceIdOf(r);
    const tree = s.getTrace(id);
    return tree ? ok({ ...tree, parallelGroups: s.parallelGroups(id) ?? [] }) : notFound(id);
  }],
  ['/api/traces/:traceId/parallel', (r, s) => {
    noQuery(r.query);
    const id = traceIdOf(r);
    const groups = s.parallelGroups(id);
    return groups ? ok({ traceId: id, groups }) : notFound(id);
  }],
  ['/api/cost', (r, s) => ok(s.costReport(r.query))],
  ['/api/slowest', (r, s) => ok(s.slowest(r.query))],
  ['/api/errors', (r, s) => ok(s.errorSummary(r.query))],
  ['/api/stats', (r, s) => {
    noQuery(r.query);
    const { path: _path, ...stats } = s.stats();
    return ok({ ...stats, health: r.health?.() });
  }],
];

/**
 * Registers the explorer directly on the HTTP adapter (Express or Fastify): the page at `path` and the JSON
 * API under `path/api`. They are plain adapter routes, not Nest controllers, so guards, pipes and the
 * tracing interceptor never see them and explorer traffic never lands in the store it displays.
 */
export function mountExplorer(adapter: AbstractHttpAdapter, options: ExplorerMountOptions, service: TraceStoreService): void {
  const base = normalizeBase(options.path);
  const auth = new ExplorerAuth(options.token);
  const handle = (route: Route | null) => (req: unknown, res: unknown) => {
    const answer = answerRequest(adapter, req, base, auth, route && ((request) => route({ ...request, health: options.health }, service)));
    send(adapter, res, answer);
  };
  adapter.get(base || '/', handle(null));
  for (const [subpath, route] of API_ROUTES) adapter.get(`${base}${subpath}`, handle(route));
}

function answerRequest(
  adapter: AbstractHttpAdapter,
  req: unknown,
  base: string,
  auth: ExplorerAuth,
  route: ((request: Omit<ExplorerRequest, 'health'>) => Answer) | null,
): Answer {
  const isPage = route === null;
  try {
    const url = new URL(String(adapter.getRequestUrl(req)), 'http://explorer.local');
    const headers = (req as { headers?: IncomingHttpHeaders }).headers ?? {};
    const pageToken = isPage ? url.searchParams.get('token') : null;
    if (!auth.allows(headers.authorization, pageToken)) {
      const challenge = { 'WWW-Authenticate': 'Bearer realm="nestjs-ai-tracing explorer"' };
      const csp = { 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'" };
      return isPage
        ? { status: 401, html: renderUnauthorizedPage(base, pageToken !== null), headers: { ...challenge, ...csp } }
        : { status: 401, json: { error: explorerUnauthorized() }, headers: challenge };
    }
    if (isPage) {
      const nonce = randomBytes(16).toString('base64');
      return {
        status: 200,
        html: renderExplorerPage({ basePath: base, nonce, tokenRequired: auth.required }),
        headers: {
          'Content-Security-Policy':
            `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; ` +
            "img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
          'X-Frame-Options': 'DENY',
        },
      };
    }
    return route({ url, base, query: queryOf(url), headers });
  } catch (error) {
    if (error instanceof TraceQueryError) return { status: 400, json: { error: error.message } };
    reportOnce('trace explorer request', error);
    return { status: 500, json: { error: 'nestjs-ai-tracing: the trace explorer could not answer; see the application log' } };
  }
}

function send(adapter: AbstractHttpAdapter, res: unknown, answer: Answer): void {
  for (const [name, value] of Object.entries({ ...COMMON_HEADERS, ...answer.headers })) adapter.setHeader(res, name, value);
  if (answer.html !== undefined) {
    adapter.setHeader(res, 'Content-Type', 'text/html; charset=utf-8');
    adapter.reply(res, answer.html, answer.status);
  } else {
    adapter.setHeader(res, 'Content-Type', 'application/json; charset=utf-8');
    adapter.reply(res, answer.json ?? {}, answer.status);
  }
}

/** Query parameters as strings; a parameter given twice is ambiguous and refused. */
function queryOf(url: URL): QueryParams {
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (Object.hasOwn(query, key)) throw new TraceQueryError(invalidTraceQuery(key, url.searchParams.getAll(key).join(','), 'a single value'));
    query[key] = value;
  }
  return query;
}

function noQuery(query: QueryParams): void {
  for (const [key, value] of Object.entries(query)) throw new TraceQueryError(invalidTraceQuery(key, value, 'no query parameters'));
}

/** The `:traceId` segment (validated by the service). */
function traceIdOf(request: ExplorerRequest): string {
  const rest = request.url.pathname.slice(`${request.base}/api/traces/`.length);
  try {
    return decodeURIComponent(rest.split('/')[0] ?? '');
  } catch {
    return rest;
  }
}

function ok(json: unknown): Answer {
  return { status: 200, json };
}

function notFound(traceId: string): Answer {
  return { status: 404, json: { error: `nestjs-ai-tracing: trace ${traceId} is not in the store` } };
}

/** `/_tracing/` and `_tracing` become `/_tracing`; the root becomes `''`. */
export function normalizeBase(path: string): string {
  const trimmed = path.trim().replace(/\/+$/, '');
  return trimmed === '' || trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
