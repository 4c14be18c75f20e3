import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttributionAttributes, HttpAttributes, type TracingModuleOptions } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { spansExportedBy } from '../support/recording-exporter.js';
import { PLATFORMS, spanNamed, waitForSpans, type TracedApp } from '../support/tracing-harness.js';
import { ManualController, OpsController } from './fixtures/http.controllers.js';

for (const platform of PLATFORMS) {
  describe(`HTTP tracing options on ${platform}`, () => {
    const apps = tracedAppPerTest({ platform, controllers: [OpsController, ManualController] });

    function start(tracing: TracingModuleOptions): Promise<TracedApp> {
      return apps.boot({ tracing });
    }

    it('with http.enabled=false traces only controllers that apply HttpTracingInterceptor by hand', async () => {
      const app = await start({ http: { enabled: false } });
      assert.equal((await fetch(`${app.url}/health`)).status, 200);
      assert.equal((await fetch(`${app.url}/manual/9`)).status, 200);
      const spans = await waitForSpans(app.spans, (all) => all.length > 0);
      assert.deepEqual(
        spans.map((s) => s.name),
        ['GET /manual/:id'],
      );
    });

    it('traces a request once when the global interceptor and a hand-applied one both run', async () => {
      const app = await start({});
      await fetch(`${app.url}/manual/9`);
      await fetch(`${app.url}/health`);
      const spans = await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'GET /health'));
      assert.equal(spans.filter((s) => s.name === 'GET /manual/:id').length, 1);
    });

    it('sends no traceresponse header and records no url.query when turned off', async () => {
      const app = await start({ http: { traceResponseHeader: false, captureQuery: false } });
      const response = await fetch(`${app.url}/manual/9?q=cats`);
      assert.equal(response.headers.get('traceresponse'), null);
      const span = spanNamed(await waitForSpans(app.spans, (all) => all.length > 0), 'GET /manual/:id');
      assert.equal(span.attributes[HttpAttributes.URL_QUERY], undefined);
      assert.equal(span.attributes[HttpAttributes.URL_PATH], '/manual/9');
    });

    it('answers normally when an attribution reader throws, and records what the others read', async () => {
      const app = await start({
        http: {
          userId: () => {
            throw new Error('reader bug');
          },
          sessionId: () => 'sess-1',
        },
      });
      const response = await fetch(`${app.url}/manual/9`);
      assert.deepEqual(await response.json(), { id: '9' });
      const span = spanNamed(await waitForSpans(app.spans, (all) => all.length > 0), 'GET /manual/:id');
      assert.equal(span.attributes[AttributionAttributes.USER_ID], undefined);
      assert.equal(span.attributes[AttributionAttributes.SESSION_ID], 'sess-1');
    });

    it('adds no spans and no header when tracing is disabled', async () => {
      const manual = async (app: TracedApp, traced: boolean) => {
        const response = await fetch(`${app.url}/manual/9`);
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('traceresponse') !== null, traced, 'traceresponse header');
      };
      assert.deepEqual(await spansExportedBy(start, {}, (app) => manual(app, true)), ['GET /manual/:id'], 'control: tracing on');
      assert.deepEqual(await spansExportedBy(start, { enabled: false }, (app) => manual(app, false)), []);
    });
  });
}
