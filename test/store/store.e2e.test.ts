import { Controller, Get, Param } from '@nestjs/common';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { TraceListPage, TraceTree } from '../../lib/store/trace-query.types.js';
import { createTracedApp, PLATFORMS, type TracedApp } from '../support/tracing-harness.js';
import { DEMO_PRICES, DemoNodes, FakeLlm, ResearchWorkflow } from './fixtures/demo-workflow.js';
import { tempDir } from '../support/temp-dir.js';

@Controller('research')
class ResearchController {
  constructor(private readonly workflow: ResearchWorkflow) {}

  @Get(':topic')
  async run(@Param('topic') topic: string): Promise<{ ok: true }> {
    await this.workflow.run({ topic, delayMs: 2 });
    return { ok: true };
  }
}

function startApp(platform: (typeof PLATFORMS)[number], path: string): Promise<TracedApp> {
  return createTracedApp({
    platform,
    controllers: [ResearchController],
    providers: [ResearchWorkflow, DemoNodes, FakeLlm],
    tracing: {
      store: { path },
      explorer: { enabled: true },
      pricing: { models: DEMO_PRICES, bundled: false },
      http: { userId: (req) => (req as { headers: Record<string, string | undefined> }).headers['x-user'] },
    },
  });
}

for (const platform of PLATFORMS) {
  describe(`trace store in a traced ${platform} app`, () => {
    const tmp = tempDir('ai-tracing-store');
    const path = join(tmp.path, 'app.db');
    after(() => tmp.cleanup());

    it('stores request traces, never traces the explorer, and keeps them across a restart', async () => {
      let app = await startApp(platform, path);
      let traceId: string;
      try {
        for (const user of ['alice', 'bob']) {
          const res = await fetch(`${app.url}/research/otel`, { headers: { 'x-user': user } });
          assert.equal(res.status, 200);
        }
        await app.tracing.forceFlush();
        const page = (await (await fetch(`${app.url}/_tracing/api/traces?user=alice`)).json()) as TraceListPage;
        assert.equal(page.total, 1);
        const [trace] = page.traces;
        traceId = trace!.traceId;
        assert.equal(trace!.name, 'GET /research/:topic');
        assert.equal(trace!.workflow, 'research');
        assert.equal(trace!.spanCount, 1 + ResearchWorkflow.SPANS_PER_RUN);
        assert.equal(trace!.llmCalls, 3);
        assert.ok(trace!.costUsd > 0);
        const tree = (await (await fetch(`${app.url}/_tracing/api/traces/${traceId}`)).json()) as TraceTree;
        assert.equal(tree.roots[0]!.role, 'http');
        assert.equal(tree.roots[0]!.children[0]!.name, 'invoke_workflow research');

        assert.equal((await fetch(`${app.url}/_tracing`)).status, 200);
        assert.equal((await fetch(`${app.url}/_tracing/api/stats`)).status, 200);
        await app.tracing.forceFlush();
        const paths = app.spans().map((s) => String(s.attributes['url.path'] ?? ''));
        assert.equal(paths.filter((p) => p.startsWith('/_tracing')).length, 0, 'explorer requests are not traced');
        const all = (await (await fetch(`${app.url}/_tracing/api/traces`)).json()) as TraceListPage;
        assert.equal(all.total, 2, 'only the two app requests are stored');
      } finally {
        await app.close();
      }

      app = await startApp(platform, path);
      try {
        const res = await fetch(`${app.url}/_tracing/api/traces/${traceId}`);
        assert.equal(res.status, 200);
        assert.equal(((await res.json()) as TraceTree).trace.userId, 'alice');
      } finally {
        await app.close();
      }
    });
  });
}
