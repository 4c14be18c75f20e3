import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditedAppPerTest } from '../support/app-per-test.js';
import { DenyGuard } from '../support/http.js';
import { spanNamed, waitForSpans } from '../support/tracing-harness.js';
import { ADAPTERS, connect, wsAdapter, type TestClient } from '../support/ws-clients.js';
import { ChatGateway } from './fixtures/chat.gateway.js';

const audited = auditedAppPerTest();

for (const adapter of ADAPTERS) {
  describe(`@SubscribeMessage handlers with trace decorators (${adapter})`, () => {
    async function start(): Promise<TestClient> {
      ChatGateway.calls = 0;
      const app = await audited.boot({
        providers: [ChatGateway, DenyGuard],
        listen: true,
        configure: (nest) => void nest.useWebSocketAdapter(wsAdapter(adapter, nest)),
      });
      const connected = await connect(adapter, app.url);
      audited.defer(() => connected.close());
      return connected;
    }

    it('trace decorator below @SubscribeMessage: the handler receives the message and answers', async () => {
      const chat = await start();
      assert.deepEqual(await chat.request('above', { text: 'hi', jobId: 'job-1' }, 'above'), 'HI');
      const spans = await waitForSpans(audited.app.spans, (s) => s.some((span) => span.name === 'invoke_workflow ws-above'));
      const workflow = spanNamed(spans, 'invoke_workflow ws-above');
      assert.equal(workflow.attributes['workflow.job_id'], 'job-1');
      assert.equal(workflow.attributes['workflow.status'], 'completed');
    });

    it('trace decorator above @SubscribeMessage (async handler, @ConnectedSocket)', async () => {
      const chat = await start();
      assert.deepEqual(await chat.request('below', { text: 'yo' }, 'below'), 'yo (client known)');
      await waitForSpans(audited.app.spans, (s) => s.some((span) => span.name === 'execute_tool ws-below'));
    });

    it('an Observable answer streams every message; the span ends when it completes', async () => {
      const chat = await start();
      const counted = chat.collect('count', 3);
      chat.send('count', 3);
      assert.deepEqual(await counted, [1, 2, 3]);
      await waitForSpans(audited.app.spans, (s) => s.some((span) => span.name === 'node count'));
    });

    it('guards still apply to traced handlers', async () => {
      const chat = await start();
      // Both adapters answer a later, allowed message: the denied one never ran.
      chat.send('denied', {});
      assert.deepEqual(await chat.request('above', { text: 'after', jobId: 'j' }, 'above'), 'AFTER');
      assert.equal(ChatGateway.calls, 1, 'only the allowed handler ran');
      assert.equal(audited.app.spans().some((span) => span.name === 'invoke_workflow ws-denied'), false);
    });
  });
}
