import { Injectable, type CanActivate } from '@nestjs/common';
import { request } from 'node:http';
import { within } from './waits.js';

/** A string header of the framework request (Express or Fastify), for `http.userId`-style readers. */
export function header(request: unknown, name: string): string | undefined {
  const value = (request as { headers?: Record<string, unknown> }).headers?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** Refuses every request or message: Nest answers 403 (HTTP) or an `exception` event (WebSocket). */
@Injectable()
export class DenyGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

/** What `httpGet` answers. */
export interface RawAnswer {
  status: number;
  body: string;
  json(): { error?: string };
}

/**
 * A raw GET (node:http, where `fetch` forbids setting `Host`): any Host header, any local address to connect to,
 * with a deadline.
 */
export function httpGet(url: string, options: { host?: string; connectTo?: string; headers?: Record<string, string> } = {}): Promise<RawAnswer> {
  const target = new URL(url);
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    const req = request(
      {
        host: options.connectTo ?? target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers: { ...(options.host !== undefined ? { host: options.host } : {}), ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) as { error?: string } }));
      },
    );
    req.on('error', reject);
    req.end();
  });
  return within(answer, `the answer to GET ${url}`);
}
