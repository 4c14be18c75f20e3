import 'reflect-metadata';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { SpanKind, trace } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { HttpAttributes } from '../../lib/index.js';
import { createTracedApp, parentOf, PLATFORMS, waitForSpans, type TracedApp } from '../support/tracing-harness.js';
import { AssistantService } from './fixtures/assistant.service.js';
import { EventFeed } from './fixtures/event-feed.js';
import { ItemsController } from './fixtures/http.controllers.js';

// The HTTP auto-instrumentation patches `http.Server.prototype.emit` when `http` is next required.
const instrumentation = new HttpInstrumentation();
const unregister = registerInstrumentations({ instrumentations: [instrumentation] });
createRequire(import.meta.url)('node:http');

for (const platform of PLATFORMS) {
  describe(`HTTP tracing under the HTTP auto-instrumentation on ${platform}`, () => {
    let traced: TracedApp;

    before(async () => {
      traced = await createTracedApp({ platform, controllers: [ItemsController], providers: [AssistantService, EventFeed] });
      // Each app registers (and at close removes) its own global provider; the instrumentation keeps the one it saw.
      instrumentation.setTracerProvider(trace.getTracerProvider());
    });

    after(() => traced.close());

    it('nests an INTERNAL span under the SERVER span and names that one after the route', async () => {
      const response = await fetch(`${traced.url}/items/8`);
      assert.equal(response.status, 200);
      const spans = await waitForSpans(traced.spans, (all) => all.filter((s) => s.name === 'GET /items/:id').length === 2);
      const server = spans.filter((s) => s.kind === SpanKind.SERVER);
      assert.equal(server.length, 1, 'one SERVER span');
      const internal = spans.find((s) => s.name === 'GET /items/:id' && s.kind === SpanKind.INTERNAL)!;
      assert.equal(server[0]!.name, 'GET /items/:id');
      assert.equal(server[0]!.attributes[HttpAttributes.ROUTE], '/items/:id');
      assert.equal(parentOf(spans, internal), server[0]);
      assert.equal(internal.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 200);
      const { traceId, spanId } = server[0]!.spanContext();
      assert.equal(response.headers.get('traceresponse'), `00-${traceId}-${spanId}-01`);
    });

    it('nests the span of a request no route matched under the SERVER span too', async () => {
      traced.tracing.resetFinishedSpans();
      const response = await fetch(`${traced.url}/wp-login.php`);
      assert.equal(response.status, 404);
      const spans = await waitForSpans(traced.spans, (all) => all.filter((s) => s.attributes[HttpAttributes.URL_PATH] === '/wp-login.php').length === 2);
      const server = spans.filter((s) => s.kind === SpanKind.SERVER);
      assert.equal(server.length, 1, 'one SERVER span');
      const internal = spans.find((s) => s.kind === SpanKind.INTERNAL)!;
      assert.equal(internal.name, 'GET');
      assert.equal(internal.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 404);
      assert.equal(parentOf(spans, internal), server[0]);
      assert.equal(server[0]!.attributes[HttpAttributes.ROUTE], undefined);
      const { traceId, spanId } = server[0]!.spanContext();
      assert.equal(response.headers.get('traceresponse'), `00-${traceId}-${spanId}-01`);
    });
  });
}

after(() => unregister());
