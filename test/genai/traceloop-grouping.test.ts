import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { TraceAgentTask, TraceNode, TraceProvider, TraceTool, TraceWorkflow, TracingService } from '../../lib/index.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import type { AuditedApp } from '../support/span-audit.js';
import { spanNamed } from '../support/tracing-harness.js';

@Injectable()
class Model {
  @TraceProvider({ provider: 'openai', model: 'gpt-4o-mini' })
  async chat(_prompt: string) {
    return { model: 'gpt-4o-mini', usage: { prompt_tokens: 1, completion_tokens: 1 } };
  }
}

@Injectable()
class Research {
  constructor(private readonly model: Model) {}

  @TraceWorkflow({ name: 'triage' })
  async run() {
    await this.classify();
    await this.research();
    await this.delegate();
  }

  @TraceNode({ nodeType: 'classify' })
  classify() {
    return this.model.chat('classify');
  }

  @TraceNode({ nodeType: 'research' })
  research() {
    return this.search('refunds');
  }

  @TraceTool({ name: 'search' })
  search(query: string) {
    return this.model.chat(query);
  }

  @TraceAgentTask({ agent: 'helper' })
  delegate() {
    return this.model.chat('help');
  }
}

const audited = auditedAppPerTest({ providers: [Model, Research] });
let app: AuditedApp;
beforeEach(async () => {
  app = await audited.boot({ tracing: { conventions: ['traceloop'] } });
});

const traceloop = (span: ReadableSpan) => Object.fromEntries(Object.entries(span.attributes).filter(([key]) => key.startsWith('traceloop.')));
const ASSOCIATION = { 'traceloop.association.properties.user_id': 'u1', 'traceloop.association.properties.session_id': 's1', 'traceloop.association.properties.tenant_id': 't1' };

describe('Traceloop grouping (conventions: traceloop)', () => {
  it('workflow name on every span inside, entity names and dotted paths, the attribution as association properties', async () => {
    await app.app.get(TracingService).withAttribution({ userId: 'u1', sessionId: 's1', tenantId: 't1' }, () => app.app.get(Research).run());
    const spans = app.spans();
    assert.deepEqual(traceloop(spanNamed(spans, 'invoke_workflow triage')), {
      'traceloop.span.kind': 'workflow', 'traceloop.workflow.name': 'triage', 'traceloop.entity.name': 'triage', 'traceloop.entity.path': '', ...ASSOCIATION,
    });
    assert.deepEqual(traceloop(spanNamed(spans, 'node classify')), {
      'traceloop.span.kind': 'task', 'traceloop.workflow.name': 'triage', 'traceloop.entity.name': 'classify', 'traceloop.entity.path': '', ...ASSOCIATION,
    });
    assert.deepEqual(traceloop(spanNamed(spans, 'execute_tool search')), {
      'traceloop.span.kind': 'tool', 'traceloop.workflow.name': 'triage', 'traceloop.entity.name': 'search', 'traceloop.entity.path': 'research', ...ASSOCIATION,
    });
    const calls = spans.filter((s) => s.name === 'chat gpt-4o-mini').map(traceloop);
    assert.deepEqual(
      calls.map((c) => [c['traceloop.workflow.name'], c['traceloop.entity.path']]).sort(),
      [['helper', undefined], ['triage', 'classify'], ['triage', 'research.search']],
    );
    for (const call of calls) {
      assert.equal(call['traceloop.span.kind'], undefined, 'LLM spans have no Traceloop kind');
      assert.equal(call['traceloop.association.properties.user_id'], 'u1');
    }
    // An agent names the workflow of its subtree, as Traceloop's own decorators do.
    assert.equal(traceloop(spanNamed(spans, 'invoke_agent helper'))['traceloop.workflow.name'], 'helper');
  });

  it('is off by default: no traceloop.* attribute at all', async () => {
    await app.close();
    app = await audited.boot();
    await app.app.get(Research).run();
    assert.deepEqual(app.spans().flatMap((s) => Object.keys(traceloop(s))), []);
  });
});
