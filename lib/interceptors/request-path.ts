import type { AbstractHttpAdapter } from '@nestjs/core';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';

/** How the HTTP adapter's router compares paths (Nest 12's `RouteMatchingOptions`, the part we need). */
export interface PathMatching {
  /** `/Users` and `/users` are different paths. */
  caseSensitive: boolean;
  /** `/users/` is served by the `/users` route. */
  ignoreTrailingSlash: boolean;
  /** The path ends at `;` as it does at `?`. */
  useSemicolonDelimiter: boolean;
}

/** Express's defaults (case-insensitive, non-strict routing), which are also the broadest. */
const EXPRESS_DEFAULTS: PathMatching = { caseSensitive: false, ignoreTrailingSlash: true, useSemicolonDelimiter: false };
const FASTIFY_DEFAULTS: PathMatching = { caseSensitive: true, ignoreTrailingSlash: false, useSemicolonDelimiter: false };

/**
 * The router's matching rules, from the adapter's `getRouteMatchingOptions()` (Nest 12 adapters have it),
 * else the defaults of its type.
 */
export function pathMatchingOf(adapter: AbstractHttpAdapter | undefined): PathMatching {
  const read = (adapter as { getRouteMatchingOptions?: () => Partial<PathMatching> } | undefined)?.getRouteMatchingOptions;
  const fallback = adapter?.getType?.() === 'fastify' ? FASTIFY_DEFAULTS : EXPRESS_DEFAULTS;
  if (typeof read !== 'function') return fallback;
  try {
    const options = read.call(adapter);
    return {
      caseSensitive: options.caseSensitive ?? fallback.caseSensitive,
      ignoreTrailingSlash: options.ignoreTrailingSlash ?? fallback.ignoreTrailingSlash,
      useSemicolonDelimiter: options.useSemicolonDelimiter ?? false,
    };
  } catch {
    return fallback;
  }
}

/**
 * The path and query of a request target. An absolute-form target (`GET http://host/auth/callback?code=X`,
 * which a client may send and both routers serve like `/auth/callback?code=X`) loses its scheme and host.
 */
export function splitTarget(target: string): { path: string; query: string | undefined } {
  let start = 0;
  // The common case, an origin-form target ("/items?id=1"), costs one comparison here.
  if (target.charCodeAt(0) !== 47 /* '/' */) {
    const authority = /^[a-z][a-z0-9+.-]*:\/\//i.exec(target);
    if (authority) {
      const rest = authority[0].length;
      const slash = target.indexOf('/', rest);
      const mark = target.indexOf('?', rest);
      if (slash === -1 || (mark !== -1 && mark < slash)) {
        return { path: '/', query: mark === -1 ? undefined : target.slice(mark + 1) };
      }
      start = slash;
    }
  }
  const mark = target.indexOf('?', start);
  if (mark === -1) return { path: start === 0 ? target : target.slice(start), query: undefined };
  return { path: target.slice(start, mark), query: target.slice(mark + 1) };
}

/** Characters that make a path differ from what the router compares: escapes, and `;` for some routers. */
const NEEDS_WORK = /[%;]|.\/$/;
const UPPER_CASE = /[A-Z]/;

/**
 * The path as the router compares it to its routes: percent-decoded, without a trailing slash when the router
 * ignores it, cut at `;` when the router does, lower-cased when the router ignores case (after decoding, as
 * find-my-way does). A plain lower-case path without escapes is returned as is after two RegExp tests.
 */
export function routerPath(path: string, matching: PathMatching): string {
  let p = path;
  if (NEEDS_WORK.test(p)) {
    if (matching.useSemicolonDelimiter) {
      const semicolon = p.indexOf(';');
      if (semicolon !== -1) p = p.slice(0, semicolon);
    }
    if (p.includes('%')) p = decodePath(p);
    if (matching.ignoreTrailingSlash && p.length > 1 && p.endsWith('/')) p = p.replace(/\/+$/, '') || '/';
  }
  return matching.caseSensitive || !UPPER_CASE.test(p) ? p : p.toLowerCase();
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    // A malformed escape elsewhere must not keep the rest encoded ("/auth/%63allback%ZZ").
    return path.replace(/%([0-7][0-9a-f])/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/**
 * Decides which request paths are not traced: `http.ignorePaths` and the explorer's own routes. Both are
 * compared with the path as the router sees it (`routerPath`), so `/Auth/Callback/`, `/auth/%63allback` and
 * `http://host/auth/callback` are ignored like `/auth/callback` wherever they reach the same handler.
 */
export class PathFilter {
  private readonly strings: Set<string>;
  private readonly patterns: RegExp[];
  private readonly explorerBase: string | undefined;
  private readonly empty: boolean;

  constructor(
    ignorePaths: ReadonlyArray<string | RegExp>,
    /** Mount path of the explorer, or undefined when it is not served (or served at the root, beside the app). */
    explorerBase: string | undefined,
    private readonly matching: PathMatching,
  ) {
    this.strings = new Set(ignorePaths.filter((p): p is string => typeof p === 'string').map((p) => routerPath(p, matching)));
    // On a case-insensitive router `/^\/Health/` must ignore `/health` too: the RegExp is made case-insensitive.
    this.patterns = ignorePaths
      .filter((p): p is RegExp => p instanceof RegExp)
      .map((p) => (matching.caseSensitive || p.flags.includes('i') ? p : new RegExp(p.source, `${p.flags}i`)));
    this.explorerBase = explorerBase === undefined ? undefined : routerPath(explorerBase, matching);
    this.empty = this.strings.size === 0 && this.patterns.length === 0 && this.explorerBase === undefined;
  }

  /** Whether requests for `path` (a request target's path, as `splitTarget` gives it) are left untraced. */
  excludes(path: string): boolean {
    if (this.empty) return false;
    const p = routerPath(path, this.matching);
    const base = this.explorerBase;
    if (base !== undefined && p.startsWith(base) && (p.length === base.length || p.charCodeAt(base.length) === 47)) return true;
    if (this.strings.has(p)) return true;
    for (const pattern of this.patterns) {
      // A /g or /y RegExp keeps its position between calls; without the reset every second test would miss.
      pattern.lastIndex = 0;
      if (pattern.test(p)) return true;
    }
    return false;
  }
}

/**
 * The filter of an app: its `http.ignorePaths` and, when served beside the app's routes (not at the root,
 * where it shares the app's paths), the explorer's mount path and everything below it.
 */
export function requestPathFilter(
  config: Pick<ResolvedTracingConfig, 'http' | 'explorer'>,
  adapter: AbstractHttpAdapter | undefined,
): PathFilter {
  const base = config.explorer.path.replace(/\/+$/, '');
  const explorerBase = config.explorer.enabled && base !== '' ? base : undefined;
  return new PathFilter(config.http.ignorePaths, explorerBase, pathMatchingOf(adapter));
}
