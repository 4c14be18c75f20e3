import type { AbstractHttpAdapter } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { reportOnce } from '../../core/safe-execute.js';
import { explorerForbidden, explorerHostNotAllowed, explorerUnauthorized, invalidTraceQuery } from '../../tracing.messages.js';
import { TraceQueryTimeoutError } from '../query/store-query.js';
import type { QueryParams } from '../trace-query.types.js';
import { TraceQueryError } from '../trace-query.validation.js';
import type { TraceStoreService } from '../trace-store.service.js';
import { flattenTree, parallelGroups } from '../trace-tree.js';
import { ExplorerAccess, type ExplorerAccessDecision } from './explorer-access.js';
import { renderExplorerPage, renderForbiddenPage, renderUnauthorizedPage } from './explorer.page.js';

/** Where and how the explorer is served. */
export interface ExplorerMountOptions {
  /** Absolute mount path, e.g. `/_tracing`. */
  path: string;
  /** Bearer token every request must carry; none when undefined (then only local requests are answered). */
  token: string | undefined;
  /** Host names answered besides the loopback ones. */
  allowedHosts?: readonly string[];
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

type Route = (request: ExplorerRequest, service: TraceStoreService) => Promise<Answer>;

const COMMON_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** JSON endpoints, relative to the mount path. `:traceId` is read from the URL by the handler. */
const API_ROUTES: Array<[string, Route]> = [
  ['/api/traces', async (r, s) => ok(await s.listTraces(r.query))],
  [
    '/api/traces/:traceId',
    async (r, s) => {
      const id = traceIdOf(r);
      const tree = await s.getTrace(id, r.query);
      // The parallel groups of the same page of spans, not a second read.
      return tree ? ok({ ...tree, parallelGroups: parallelGroups(flattenTree(tree.roots)) }) : notFound(id);
    },
  ],
  [
    '/api/traces/:traceId/parallel',
    async (r, s) => {
      const id = traceIdOf(r);
      const groups = await s.parallelGroups(id, r.query);
      return groups ? ok({ traceId: id, groups }) : notFound(id);
    },
  ],
  ['/api/cost', async (r, s) => ok(await s.costReport(r.query))],
  ['/api/slowest', async (r, s) => ok(await s.slowest(r.query))],
  ['/api/errors', async (r, s) => ok(await s.errorSummary(r.query))],
  ['/api/forecast', async (r, s) => ok(await s.forecast(r.query))],
  [
    '/api/stats',
    async (r, s) => {
      noQuery(r.query);
      const { path: _path, ...stats } = await s.stats();
      return ok({ ...stats, health: r.health?.() });
    },
  ],
];

/**
 * Registers the explorer directly on the HTTP adapter (Express or Fastify): the page at `path` and the JSON
 * API under `path/api`. They are plain adapter routes, not Nest controllers, so guards, pipes and the
 * tracing interceptor never see them and explorer traffic never lands in the store it displays. Every request
 * passes `ExplorerAccess` first; queries run off the event loop (see `TraceStoreService`).
 */
export function mountExplorer(adapter: AbstractHttpAdapter, options: ExplorerMountOptions, service: TraceStoreService): void {
  const base = normalizeBase(options.path);
  const access = new ExplorerAccess(options.token, options.allowedHosts);
  const handle = (route: Route | null) => (req: unknown, res: unknown) => {
    answerRequest(adapter, req, base, access, route && ((request) => route({ ...request, health: options.health }, service)))
      .then((answer) => send(adapter, res, answer))
      .catch((error: unknown) => reportOnce('trace explorer response', error));
  };
  adapter.get(base || '/', handle(null));
  for (const [subpath, route] of API_ROUTES) adapter.get(`${base}${subpath}`, handle(route));
}

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="nestjs-ai-tracing explorer"' };
const REFUSAL_CSP = { 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'" };

async function answerRequest(
  adapter: AbstractHttpAdapter,
  req: unknown,
  base: string,
  access: ExplorerAccess,
  route: ((request: Omit<ExplorerRequest, 'health'>) => Promise<Answer>) | null,
): Promise<Answer> {
  const isPage = route === null;
  try {
    const url = new URL(String(adapter.getRequestUrl(req)), 'http://explorer.local');
    const raw = ((req as { raw?: IncomingMessage }).raw ?? req) as Partial<IncomingMessage>;
    const headers = raw.headers ?? {};
    const pageToken = isPage ? url.searchParams.get('token') : null;
    const decision = access.decide({ headers, remoteAddress: raw.socket?.remoteAddress, queryToken: pageToken });
    if (decision !== 'allowed') return refusal(decision, isPage, base, pageToken !== null);
    if (isPage) {
      const nonce = randomBytes(16).toString('base64');
      return {
        status: 200,
        html: renderExplorerPage({ basePath: base, nonce, tokenRequired: access.tokenRequired }),
        headers: {
          'Content-Security-Policy':
            `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; ` +
            "img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
          'X-Frame-Options': 'DENY',
        },
      };
    }
    return await route({ url, base, query: queryOf(url), headers });
  } catch (error) {
    if (error instanceof TraceQueryError) return { status: 400, json: { error: error.message } };
    if (error instanceof TraceQueryTimeoutError) return { status: 503, json: { error: error.message }, headers: { 'Retry-After': '5' } };
    reportOnce('trace explorer request', error);
    return { status: 500, json: { error: 'nestjs-ai-tracing: the trace explorer could not answer; see the application log' } };
  }
}

/** The answer to a request the access rules refused: 401 asks for the token, 403 says why not at all. */
function refusal(decision: Exclude<ExplorerAccessDecision, 'allowed'>, isPage: boolean, base: string, tokenWasWrong: boolean): Answer {
  if (decision === 'unauthorized') {
    return isPage
      ? { status: 401, html: renderUnauthorizedPage(base, tokenWasWrong), headers: { ...CHALLENGE, ...REFUSAL_CSP } }
      : { status: 401, json: { error: explorerUnauthorized() }, headers: CHALLENGE };
  }
  const message = decision === 'host-not-allowed' ? explorerHostNotAllowed() : explorerForbidden();
  return isPage ? { status: 403, html: renderForbiddenPage(message), headers: REFUSAL_CSP } : { status: 403, json: { error: message } };
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

/**
 * Query parameters as strings; a parameter given twice is ambiguous and refused. A prototype-less object, so
 * `__proto__` and `constructor` are parameters like any other (and refused as unknown).
 */
function queryOf(url: URL): QueryParams {
  const query = Object.create(null) as Record<string, string>;
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
