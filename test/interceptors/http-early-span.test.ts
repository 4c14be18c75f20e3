import 'reflect-metadata';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CostAttributes, HttpAttributes, type TracingModuleOptions } from '../../lib/index.js';
import { hrMillis } from '../support/assertions.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { spansExportedBy } from '../support/recording-exporter.js';
import { tempDir } from '../support/temp-dir.js';
import {
  createTracedApp,
  parentOf,
  PLATFORMS,
  spanNamed,
  waitForSpans,
  type Platform,
  type TracedApp,
  type TracedAppOptions,
} from '../support/tracing-harness.js';
import { nextEmitted } from '../support/waits.js';
import { GuardedModule, middlewareEvents } from './fixtures/guarded.module.js';

const TRACE_ID = '5bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '10f067aa0ba902b7';
/** USD per 1M tokens of the fake model; its calls use 5 input and 3 output tokens. */
const PRICE = { provider: 'openai', model: 'gpt-4o-mini', input: 1, output: 2 };

/** The guarded app under the `api` prefix, priced with `PRICE` only. */
function appOptions(platform: Platform): TracedAppOptions {
  return {
    platform,
    imports: [GuardedModule],
    tracing: { pricing: { models: [PRICE], bundled: false } },
    configure: (app) => {
      app.setGlobalPrefix('api');
    },
  };
}

function startApp(platform: Platform, tracing: TracingModuleOptions = {}): Promise<TracedApp> {
  const options = appOptions(platform);
  return createTracedApp({ ...options, tracing: { ...options.tracing, ...tracing } });
}

for (const platform of PLATFORMS) {
  // Fastify routes a request before any middleware runs; Express only once its middleware has passed it on.
  const routedBeforeMiddleware = platform === 'fastify';

  describe(`HTTP requests that never reach the interceptor on ${platform}`, () => {
    let traced: TracedApp;

    before(async () => {
      traced = await startApp(platform, { http: { ignorePaths: ['/favicon.ico', /^\/api\/health/] } });
    });

    after(() => traced.close());
    beforeEach(() => traced.tracing.resetFinishedSpans());

    /** The spans finished once `count` spans named `name` are. */
    async function spansWith(name: string, count = 1): Promise<ReadableSpan[]> {
      return waitForSpans(traced.spans, (all) => all.filter((s) => s.name === name).length >= count);
    }

    it('traces a path no route matches, outside the global prefix, as one SERVER span `{METHOD}` answered 404', async () => {
      const response = await fetch(`${traced.url}/wp-login.php?user=admin`);
      assert.equal(response.status, 404);
      const span = spanNamed(await spansWith('GET'), 'GET');
      assert.equal(span.kind, SpanKind.SERVER);
      assert.equal(span.status.code, SpanStatusCode.UNSET);
      assert.equal(span.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 404);
      assert.equal(span.attributes[HttpAttributes.ROUTE], undefined);
      assert.equal(span.attributes[HttpAttributes.URL_PATH], '/wp-login.php');
      assert.equal(span.attributes[HttpAttributes.URL_QUERY], 'user=admin');
      assert.equal(span.attributes[HttpAttributes.REQUEST_METHOD], 'GET');
      assert.equal(response.headers.get('traceresponse'), `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    });

    it('names no route for an unmatched path under the global prefix either', async () => {
      assert.equal((await fetch(`${traced.url}/api/nowhere`, { method: 'POST', body: '{}' })).status, 404);
      const span = spanNamed(await spansWith('POST'), 'POST');
      assert.equal(span.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 404);
      assert.equal(span.attributes[HttpAttributes.ROUTE], undefined);
      assert.equal(span.status.code, SpanStatusCode.UNSET);
    });

    it('joins the caller trace from traceparent for a request no route matched', async () => {
      const response = await fetch(`${traced.url}/admin.php`, { headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` } });
      const span = spanNamed(await spansWith('GET'), 'GET');
      assert.equal(span.spanContext().traceId, TRACE_ID);
      assert.equal(span.parentSpanContext?.spanId, CALLER_SPAN_ID);
      assert.equal(response.headers.get('traceresponse'), `00-${TRACE_ID}-${span.spanContext().spanId}-01`);
    });

    it('names a request a guard rejected (403, 401) after its route, status UNSET', async () => {
      const sealed = await fetch(`${traced.url}/api/vault/sealed/7`);
      assert.equal(sealed.status, 403);
      const forbidden = spanNamed(await spansWith('GET /api/vault/sealed/:id'), 'GET /api/vault/sealed/:id');
      assert.equal(forbidden.kind, SpanKind.SERVER);
      assert.equal(forbidden.attributes[HttpAttributes.ROUTE], '/api/vault/sealed/:id');
      assert.equal(forbidden.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 403);
      assert.equal(forbidden.status.code, SpanStatusCode.UNSET);
      assert.equal(sealed.headers.get('traceresponse'), `00-${forbidden.spanContext().traceId}-${forbidden.spanContext().spanId}-01`);

      assert.equal((await fetch(`${traced.url}/api/vault/secret/7`)).status, 401);
      const unauthorized = spanNamed(await spansWith('GET /api/vault/secret/:id'), 'GET /api/vault/secret/:id');
      assert.equal(unauthorized.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 401);
      assert.equal(unauthorized.status.code, SpanStatusCode.UNSET);
    });

    it('traces the same route normally once the guard lets the request through', async () => {
      assert.equal((await fetch(`${traced.url}/api/vault/secret/7`, { headers: { authorization: 'Bearer t' } })).status, 200);
      const span = spanNamed(await spansWith('GET /api/vault/secret/:id'), 'GET /api/vault/secret/:id');
      assert.equal(span.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 200);
    });

    it('marks a middleware failure ERROR with the 500 it was answered with and the error the middleware threw', async () => {
      assert.equal((await fetch(`${traced.url}/api/vault/ask`, { headers: { 'x-fail': '1' } })).status, 500);
      const name = routedBeforeMiddleware ? 'GET /api/vault/ask' : 'GET';
      const span = spanNamed(await spansWith(name), name);
      assert.equal(span.kind, SpanKind.SERVER);
      assert.equal(span.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 500);
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      // Nest's exception layer saw the middleware's error: its type, not just the status code.
      assert.equal(span.attributes[HttpAttributes.ERROR_TYPE], 'Error');
      assert.equal(span.events.filter((e) => e.name === 'exception').length, 1);
    });

    it('ends the span of a request the client gave up on before any answer, without a status code', async () => {
      const abort = new AbortController();
      const held = nextEmitted(middlewareEvents, 'hang');
      const request = fetch(`${traced.url}/api/nowhere`, { headers: { 'x-hang': '1' }, signal: abort.signal });
      await held;
      abort.abort();
      await assert.rejects(request);
      const span = spanNamed(await spansWith('GET'), 'GET');
      assert.equal(span.attributes[HttpAttributes.RESPONSE_STATUS_CODE], undefined);
      assert.equal(span.status.code, SpanStatusCode.UNSET);
    });

    it('starts the request span at arrival and keeps nested services and their cost under it', async () => {
      const response = await fetch(`${traced.url}/api/vault/ask`);
      assert.deepEqual(await response.json(), { answer: 'echo: hello' });
      const spans = await spansWith('GET /api/vault/ask');
      const request = spanNamed(spans, 'GET /api/vault/ask');
      const workflow = spanNamed(spans, 'invoke_workflow answer');
      const provider = spanNamed(spans, 'chat gpt-4o-mini');
      assert.equal(parentOf(spans, provider), workflow);
      assert.equal(parentOf(spans, workflow), request);
      assert.ok(hrMillis(request.startTime) <= hrMillis(workflow.startTime), 'the request span starts before the handler ran');
      assert.equal(request.attributes[CostAttributes.LLM_CALLS], 1);
      assert.equal(request.attributes[CostAttributes.TOTAL_USD], (5 * PRICE.input + 3 * PRICE.output) / 1e6);
    });

    it('traces nothing for ignored paths (matched or not) nor @NoTrace handlers', async () => {
      assert.equal((await fetch(`${traced.url}/favicon.ico`)).status, 404);
      assert.equal((await fetch(`${traced.url}/api/health/live`)).status, 404);
      assert.equal((await fetch(`${traced.url}/api/vault/quiet`)).status, 200);
      await fetch(`${traced.url}/api/vault/secret/1`, { headers: { authorization: 'Bearer t' } });
      const spans = await spansWith('GET /api/vault/secret/:id');
      assert.deepEqual(
        spans.map((s) => s.name),
        ['GET /api/vault/secret/:id'],
      );
    });
  });

  describe(`HTTP request hook options on ${platform}`, () => {
    const apps = tracedAppPerTest();
    const boot = (tracing: TracingModuleOptions) => apps.boot({ ...appOptions(platform), tracing: { ...appOptions(platform).tracing, ...tracing } });

    it('traces a 404 without sending traceresponse when the header is off', async () => {
      const traced = await boot({ http: { traceResponseHeader: false } });
      const response = await fetch(`${traced.url}/wp-admin`);
      assert.equal(response.status, 404);
      assert.equal(response.headers.get('traceresponse'), null);
      const span = spanNamed(await waitForSpans(traced.spans, (all) => all.length > 0), 'GET');
      assert.equal(span.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 404);
    });

    it('never traces the explorer, served beside the app under explorer.path', async () => {
      const storeDir = tempDir('ai-tracing-early');
      apps.cleanup(() => storeDir.cleanup());
      const traced = await boot({ store: { path: storeDir.join('traces.db') }, explorer: { enabled: true } });
      assert.equal((await fetch(`${traced.url}/_tracing/api/stats`)).status, 200);
      assert.equal((await fetch(`${traced.url}/_tracing`)).status, 200);
      assert.equal((await fetch(`${traced.url}/_tracing-not/x`)).status, 404);
      const spans = await waitForSpans(traced.spans, (all) => all.length > 0);
      assert.deepEqual(
        spans.map((s) => [s.name, s.attributes[HttpAttributes.URL_PATH]]),
        [['GET', '/_tracing-not/x']],
      );
    });

    it('adds no spans and no header to unmatched requests when tracing is disabled or http.enabled is false', async () => {
      const unmatched = async (traced: TracedApp, traced404: boolean) => {
        const response = await fetch(`${traced.url}/wp-login.php`);
        assert.equal(response.status, 404);
        assert.equal(response.headers.get('traceresponse') !== null, traced404, 'traceresponse header');
      };
      assert.deepEqual(await spansExportedBy(boot, {}, (traced) => unmatched(traced, true)), ['GET'], 'control: tracing on');
      for (const tracing of [{ enabled: false }, { http: { enabled: false } }]) {
        assert.deepEqual(await spansExportedBy(boot, tracing, (traced) => unmatched(traced, false)), [], JSON.stringify(tracing));
      }
    });
  });
}
