import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { HttpAttributes } from '../../lib/index.js';
import { createTracedApp, PLATFORMS, spanNamed, waitForSpans, type Platform, type TracedApp } from '../support/tracing-harness.js';
import { OpsController } from './fixtures/http.controllers.js';

const FORWARDED = { 'x-forwarded-for': '203.0.113.7, 10.0.0.1', 'x-forwarded-proto': 'https' };

/** An app that trusts its proxy (Express `trust proxy`, Fastify `trustProxy`), or not. */
function startApp(platform: Platform, trustProxy: boolean): Promise<TracedApp> {
  return createTracedApp({
    platform,
    controllers: [OpsController],
    fastifyOptions: trustProxy ? { trustProxy: true } : undefined,
    configure: (app) => {
      if (trustProxy && platform === 'express') (app as NestExpressApplication).set('trust proxy', true);
    },
  });
}

for (const platform of PLATFORMS) {
  for (const trustProxy of [false, true]) {
    describe(`client.address and url.scheme on ${platform}, ${trustProxy ? 'trusting' : 'not trusting'} the proxy`, () => {
      let traced: TracedApp;

      before(async () => {
        traced = await startApp(platform, trustProxy);
      });
      after(() => traced.close());
      beforeEach(() => traced.tracing.resetFinishedSpans());

      async function spanOf(path: string, headers: Record<string, string>, name: string): Promise<ReadableSpan> {
        await (await fetch(`${traced.url}${path}`, { headers })).arrayBuffer();
        return spanNamed(await waitForSpans(traced.spans, (all) => all.some((s) => s.name === name)), name);
      }

      it('records the socket peer without forwarding headers', async () => {
        const span = await spanOf('/health', {}, 'GET /health');
        assert.equal(span.attributes[HttpAttributes.CLIENT_ADDRESS], '127.0.0.1');
        assert.equal(span.attributes[HttpAttributes.URL_SCHEME], 'http');
      });

      const expectation = trustProxy ? 'the forwarded client and scheme' : 'the socket peer, not the forwarded client';
      it(`records ${expectation} with forwarding headers`, async () => {
        const span = await spanOf('/health', FORWARDED, 'GET /health');
        assert.equal(span.attributes[HttpAttributes.CLIENT_ADDRESS], trustProxy ? '203.0.113.7' : '127.0.0.1');
        assert.equal(span.attributes[HttpAttributes.URL_SCHEME], trustProxy ? 'https' : 'http');
      });

      it('does the same for a request no route matched (traced by the request hook)', async () => {
        const span = await spanOf('/no-such-route', FORWARDED, 'GET');
        assert.equal(span.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 404);
        assert.equal(span.attributes[HttpAttributes.CLIENT_ADDRESS], trustProxy ? '203.0.113.7' : '127.0.0.1');
        assert.equal(span.attributes[HttpAttributes.URL_SCHEME], trustProxy ? 'https' : 'http');
      });
    });
  }
}
