import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

/** What the explorer makes of a request before answering it. */
export type ExplorerAccessDecision = 'allowed' | 'unauthorized' | 'not-local' | 'host-not-allowed';

/** The parts of a request the access rules read: the Node request's headers and its socket's peer address. */
export interface ExplorerRequestOrigin {
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  /** `?token=` of a page request (the API takes the header only). */
  queryToken?: string | null;
}

/** Host names that always reach this machine: no DNS answer an attacker controls can point them elsewhere. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Headers a reverse proxy adds: a loopback peer carrying one is relaying someone else's request. */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip'];

/**
 * Who may use the explorer. Traces hold user ids, error messages and, with content capture, prompts, so it is
 * closed by default:
 * - without a token, only requests from this machine: a loopback peer (not relaying through a proxy) that
 *   addressed `localhost`, `127.0.0.1` or `[::1]` (any port) or one of `allowedHosts`. Checking `Host` stops a web
 *   page from reading the explorer through DNS rebinding from a developer's browser;
 * - with a token, any client that presents it (`Authorization: Bearer`; a page request also `?token=`), compared
 *   in constant time; the `Host` is checked only when `allowedHosts` is set.
 * Forwarded headers are never trusted for the client address: the socket's peer is.
 */
export class ExplorerAccess {
  private readonly expected: Buffer | undefined;
  private readonly exactHosts: Set<string>;
  private readonly domains: string[];
  private readonly checkHost: boolean;

  constructor(token: string | undefined, allowedHosts: readonly string[] = []) {
    this.expected = token ? digest(token) : undefined;
    this.exactHosts = new Set([...LOOPBACK_HOSTS, ...allowedHosts.filter((h) => !h.startsWith('.'))]);
    this.domains = allowedHosts.filter((h) => h.startsWith('.'));
    this.checkHost = this.expected === undefined || allowedHosts.length > 0;
  }

  /** Whether a token is configured at all. */
  get tokenRequired(): boolean {
    return this.expected !== undefined;
  }

  decide(origin: ExplorerRequestOrigin): ExplorerAccessDecision {
    if (this.checkHost && !this.hostAllowed(origin.headers)) return 'host-not-allowed';
    if (!this.expected) return isLocal(origin) ? 'allowed' : 'not-local';
    return this.tokenMatches(origin.headers.authorization, origin.queryToken) ? 'allowed' : 'unauthorized';
  }

  private tokenMatches(authorization: string | string[] | undefined, queryToken: string | null | undefined): boolean {
    const header = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
    const presented = header ?? queryToken ?? undefined;
    return presented !== undefined && timingSafeEqual(digest(presented), this.expected!);
  }

  private hostAllowed(headers: IncomingHttpHeaders): boolean {
    const host = hostName(headers[':authority'] ?? headers.host);
    if (host === undefined) return false;
    if (this.exactHosts.has(host)) return true;
    return this.domains.some((domain) => host === domain.slice(1) || host.endsWith(domain));
  }
}

/** The host name of a `Host` value, lower-cased, without port; IPv6 literals keep their brackets. */
function hostName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i.exec(value.trim());
  return match ? match[1]!.toLowerCase() : undefined;
}

/** A loopback peer that is not a proxy relaying another client. */
function isLocal(origin: ExplorerRequestOrigin): boolean {
  if (!isLoopback(origin.remoteAddress)) return false;
  return !PROXY_HEADERS.some((name) => origin.headers[name] !== undefined);
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
