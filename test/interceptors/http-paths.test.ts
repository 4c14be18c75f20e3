import 'reflect-metadata';
import { Controller, Get, Query } from '@nestjs/common';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { HttpAttributes } from '../../lib/index.js';
import { createTracedApp, PLATFORMS, spanNamed, waitForSpans, type TracedApp } from '../support/tracing-harness.js';

@Controller('auth')
class AuthController {
  @Get('callback')
  callback(@Query('code') code: string | undefined): { signedIn: boolean } {
    return { signedIn: code !== undefined };
  }
}

@Controller()
class PagesController {
  @Get('items')
  items(): { items: string[] } {
    return { items: [] };
  }

  @Get('marker')
  marker(): string {
    return 'ok';
  }
}

/** One raw HTTP/1.1 request: any request target (absolute-form too) and any Host. */
function send(url: string, target: string, headers: Record<string, string> = {}): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: target, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

for (const platform of PLATFORMS) {
  describe(`request paths on ${platform}`, () => {
    let traced: TracedApp;

    before(async () => {
      traced = await createTracedApp({
        platform,
        controllers: [AuthController, PagesController],
        tracing: { http: { ignorePaths: ['/auth/callback', /^\/Internal\//] } },
      });
    });
    after(() => traced.close());
    beforeEach(() => traced.tracing.resetFinishedSpans());

    /** The spans of everything sent so far, once a request sent after them (the marker) has its span. */
    async function spansUpToMarker(): Promise<ReadableSpan[]> {
      await send(traced.url, '/marker');
      return (await waitForSpans(traced.spans, (all) => all.some((s) => s.name === 'GET /marker'))).filter((s) => s.name !== 'GET /marker');
    }

    it('ignores every spelling of an ignored path that reaches its handler, and never records its query', async () => {
      // Express routes case-insensitively and ignores a trailing slash; Fastify (by default) does neither, but
      // decodes escapes. Both serve absolute-form targets by their path.
      const targets = [
        '/auth/callback?code=X',
        '/auth/callback/?code=X',
        '/Auth/Callback?code=X',
        '/AUTH/CALLBACK/?code=X',
        '/auth/%63allback?code=X',
        '/auth/callback%2F?code=X',
        `http://${new URL(traced.url).host}/auth/callback?code=X`,
        'http://attacker.example/auth/callback?code=X',
      ];
      const served: string[] = [];
      for (const target of targets) if ((await send(traced.url, target)) === 200) served.push(target);
      assert.ok(served.length >= 4, `served: ${served.join(' ')}`);
      const spans = await spansUpToMarker();
      const handled = spans.filter((s) => s.attributes[HttpAttributes.ROUTE] === '/auth/callback');
      assert.deepEqual(handled.map((s) => s.attributes[HttpAttributes.URL_PATH]), [], 'no request the handler answered was traced');
      for (const span of spans) {
        // Whatever was traced instead (a 404) keeps no code: it is a secret by default.
        assert.equal(span.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 404, String(span.attributes[HttpAttributes.URL_PATH]));
        assert.equal(span.attributes[HttpAttributes.URL_QUERY], 'code=REDACTED');
      }
    });

    it('tests ignore RegExps against the path the way the router compares it', async () => {
      // The RegExp says /Internal/: on a case-insensitive router (Express) /internal/... is the same path.
      await send(traced.url, '/internal/status');
      await send(traced.url, '/Internal/status');
      const paths = (await spansUpToMarker()).map((s) => s.attributes[HttpAttributes.URL_PATH]);
      assert.deepEqual(paths, platform === 'express' ? [] : ['/internal/status']);
    });

    it('records url.path without the scheme and host of an absolute-form target', async () => {
      assert.equal(await send(traced.url, 'http://example.com:8080/items?q=1'), 200);
      const span = spanNamed(await spansUpToMarker(), 'GET /items');
      assert.equal(span.attributes[HttpAttributes.URL_PATH], '/items');
      assert.equal(span.attributes[HttpAttributes.URL_QUERY], 'q=1');
    });

    it('redacts query keys in bracket notation and escaped keys', async () => {
      await send(traced.url, '/items?token[]=a&user[token]=b&api_key[0]=c&token%00=d&q=cats');
      const span = spanNamed(await spansUpToMarker(), 'GET /items');
      assert.equal(span.attributes[HttpAttributes.URL_QUERY], 'token[]=REDACTED&user[token]=REDACTED&api_key[0]=REDACTED&token%00=REDACTED&q=cats');
    });

    it('records no server.port for a Host port out of range, and keeps the address', async () => {
      await send(traced.url, '/items', { host: 'localhost:100000000000000000000' });
      await send(traced.url, '/marker', { host: 'localhost:99999' });
      const spans = await waitForSpans(traced.spans, (all) => all.length >= 2);
      for (const span of spans) {
        assert.equal(span.attributes[HttpAttributes.SERVER_ADDRESS], 'localhost');
        assert.equal(span.attributes[HttpAttributes.SERVER_PORT], undefined);
      }
      await send(traced.url, '/items', { host: 'localhost:8443' });
      const ok = await waitForSpans(traced.spans, (all) => all.length >= 3);
      assert.equal(ok.at(-1)!.attributes[HttpAttributes.SERVER_PORT], 8443);
    });
  });
}
