import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TracingModuleOptions } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { childrenOf, spanNamed, waitForSpans, type TracedApp } from '../support/tracing-harness.js';
import { ADAPTERS, connect, wsAdapter, type TestClient } from '../support/ws-clients.js';
import { AssistantService } from './fixtures/assistant.service.js';
import { IoJobsGateway, WsJobsGateway } from './fixtures/jobs.gateway.js';

for (const adapter of ADAPTERS) {
  describe(`traceEmit under the websocket options with ${adapter}`, () => {
    const apps = tracedAppPerTest({
      providers: [AssistantService, adapter === 'socket.io' ? IoJobsGateway : WsJobsGateway],
      configure: (app) => {
        app.useWebSocketAdapter(wsAdapter(adapter, app));
      },
    });

    async function start(tracing: TracingModuleOptions): Promise<{ app: TracedApp; client: TestClient }> {
      const app = await apps.boot({ tracing });
      const client = await connect(adapter, app.url, { namespace: '/jobs' });
      apps.defer(() => client.close());
      return { app, client };
    }

    /** Runs the `work` handler, which emits two `tick` events, and checks the client got everything. */
    async function work(ws: TestClient): Promise<void> {
      const ticks = ws.collect('tick', 2);
      assert.deepEqual(await ws.request('work', {}, 'worked'), { ticks: 2 });
      assert.deepEqual(await ticks, [{ n: 1 }, { n: 2 }]);
    }

    it('sends emits whose event websocket.ignoreEvents matches without tracing them', async () => {
      const { app, client: ws } = await start({ websocket: { ignoreEvents: [/^ti/] } });
      await work(ws);
      const spans = await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'websocket work'));
      assert.deepEqual(childrenOf(spans, spanNamed(spans, 'websocket work')), []);
      assert.equal(spans.filter((s) => s.name.startsWith('websocket emit')).length, 0);
    });

    it('traces emits of the other events next to ignored ones', async () => {
      const { app, client: ws } = await start({ websocket: { ignoreEvents: ['ping'] } });
      await work(ws);
      const spans = await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'websocket work'));
      assert.deepEqual(
        childrenOf(spans, spanNamed(spans, 'websocket work')).map((s) => s.name),
        ['websocket emit tick', 'websocket emit tick'],
      );
    });

    it('sends emits untraced with websocket.enabled=false', async () => {
      const { app, client: ws } = await start({ websocket: { enabled: false } });
      await work(ws);
      // A traced service call afterwards: once its span is in, the emits' spans would be too.
      await ws.request('run', { prompt: 'hi' }, 'done');
      const spans = await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'invoke_workflow answer'));
      assert.deepEqual(
        spans.filter((s) => s.name.startsWith('websocket')).map((s) => s.name),
        [],
      );
    });
  });
}
