import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { TraceAgentStep, TraceNode, TraceTool, TraceWorkflow } from '../../lib/index.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import type { AuditedApp } from '../support/span-audit.js';
import { childrenOf, parentOf, spanNamed } from '../support/tracing-harness.js';
import {
  DefaultAgent,
  LlmClient,
  ResearchAgent,
  ResearchModule,
  ResearchNodes,
  ResearchWorkflow,
  SearchTools,
  type ResearchRequest,
} from './fixtures/research.fixture.js';

const audited = auditedAppPerTest({ imports: [ResearchModule] });
let app: AuditedApp;

beforeEach(async () => {
  // Every convention on, so each role's kinds in all three vocabularies are checked.
  app = await audited.boot({ tracing: { conventions: ['openinference', 'traceloop', 'langfuse'] } });
});

const request: ResearchRequest = { workflowId: 'wf-7', jobId: 'job-42', topic: 'otel' };

/** Asserts every `expected` attribute (undefined means absent). */
function assertAttributes(span: ReadableSpan, expected: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(expected)) assert.deepEqual(span.attributes[key], value, `${span.name}: ${key}`);
}

function assertLangfuseKeeps(spans: ReadableSpan[]): void {
  for (const span of spans) {
    assert.ok(Object.keys(span.attributes).some((key) => key.startsWith('gen_ai.')), `${span.name} carries a gen_ai.* attribute`);
  }
}

async function runResearch(): Promise<ReadableSpan[]> {
  assert.equal(await app.app.get(ResearchWorkflow).run(request), '2 docs, rank 4: summary of otel');
  return app.spans();
}

describe('@TraceWorkflow', () => {
  it('invoke_workflow {name}, INTERNAL, GenAI + OpenInference + Traceloop kinds, ids from the arguments', async () => {
    const workflow = spanNamed(await runResearch(), 'invoke_workflow research');
    assert.equal(workflow.kind, SpanKind.INTERNAL);
    assert.equal(workflow.status.code, SpanStatusCode.UNSET);
    assertAttributes(workflow, {
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.workflow.name': 'research',
      'workflow.id': 'wf-7',
      'workflow.job_id': 'job-42',
      'workflow.status': 'completed',
      'openinference.span.kind': 'CHAIN',
      'traceloop.span.kind': 'workflow',
      'research.topic': 'otel',
    });
    assert.equal(workflow.instrumentationScope.name, 'nestjs-ai-tracing');
  });

  it('name defaults to Class.method', () => {
    app.app.get(ResearchWorkflow).unnamed();
    assertAttributes(spanNamed(app.spans(), 'invoke_workflow ResearchWorkflow.unnamed'), {
      'gen_ai.workflow.name': 'ResearchWorkflow.unnamed',
      'workflow.status': 'completed',
    });
  });

  it('rolls up the LLM calls of its subtree', async () => {
    const workflow = spanNamed(await runResearch(), 'invoke_workflow research');
    assertAttributes(workflow, { 'cost.llm_calls': 1, 'cost.input_tokens': 4, 'cost.output_tokens': 5 });
  });
});

describe('@TraceNode', () => {
  it('node {nodeType}, INTERNAL, node id/type, the enclosing workflow name and ids', async () => {
    const spans = await runResearch();
    for (const [type, id] of [
      ['retrieve', 'retrieve:otel'],
      ['rank', 'n-rank'],
      ['summarize', 'n-summarize'],
    ] as const) {
      const node = spanNamed(spans, `node ${type}`);
      assert.equal(node.kind, SpanKind.INTERNAL);
      assertAttributes(node, {
        'workflow.node.type': type,
        'workflow.node.id': id,
        'gen_ai.workflow.name': 'research',
        'workflow.id': 'wf-7',
        'workflow.job_id': 'job-42',
        'openinference.span.kind': 'CHAIN',
        'traceloop.span.kind': 'task',
      });
    }
  });

  it('node type defaults to Class.method; outside a workflow it still carries a gen_ai.* marker', () => {
    assert.equal(app.app.get(ResearchNodes).untyped(), 'default type');
    const node = spanNamed(app.spans(), 'node ResearchNodes.untyped');
    assertAttributes(node, { 'workflow.node.type': 'ResearchNodes.untyped', 'workflow.node.id': undefined, 'gen_ai.workflow.name': undefined });
    assertLangfuseKeeps([node]);
  });

  it("the attributes option adds to the node's own; its own win, and an own value it lacks leaves the option's", async () => {
    class Tagged {
      @TraceNode({ nodeType: 'tagged', attributes: { 'workflow.node.type': 'from-option', 'gen_ai.workflow.name': 'from-option', team: 'search', size: 3 } })
      step(): string {
        return 'tagged';
      }

      @TraceWorkflow({ name: 'outer' })
      async inWorkflow(): Promise<string> {
        return this.step();
      }
    }
    const tagged = new Tagged();
    assert.equal(tagged.step(), 'tagged');
    assert.equal(await tagged.inWorkflow(), 'tagged');
    const [alone, inside] = app.spans().filter((s) => s.name === 'node tagged');
    // Outside a workflow the node has no workflow name of its own: the option's stays.
    assertAttributes(alone!, { 'workflow.node.type': 'tagged', 'gen_ai.workflow.name': 'from-option', team: 'search', size: 3, 'workflow.node.id': undefined });
    // Inside one, the enclosing workflow's name wins over the option's.
    assertAttributes(inside!, { 'workflow.node.type': 'tagged', 'gen_ai.workflow.name': 'outer', team: 'search', size: 3 });
  });
});

describe('@TraceProvider', () => {
  it('{operation} {model}, CLIENT, request attributes at start, response model at end; model from the first argument', async () => {
    const provider = spanNamed(await runResearch(), 'chat gpt-4o');
    assert.equal(provider.kind, SpanKind.CLIENT);
    assertAttributes(provider, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'openinference.span.kind': 'LLM',
      'llm.provider': 'openai',
      // The model that answered: Phoenix prices by it.
      'llm.model_name': 'gpt-4o-2024-08-06',
      'workflow.id': 'wf-7',
    });
    assertAttributes(provider, { 'gen_ai.usage.input_tokens': 4, 'gen_ai.usage.output_tokens': 5 });
  });

  it('operation, model and provider options (static and extractor); sync methods stay sync', () => {
    const vectors = app.app.get(LlmClient).embed(['ab', 'cde']);
    assert.deepEqual(vectors, [[2], [3]]);
    const span = spanNamed(app.spans(), 'embeddings text-embedding-3-small');
    assertAttributes(span, {
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'azure.ai.openai',
      'gen_ai.request.model': 'text-embedding-3-small',
    });
  });
});

describe('agents', () => {
  async function runAgent(): Promise<ReadableSpan[]> {
    const results = await app.app.get(ResearchAgent).run({ id: 'task-9', goal: 'otel' });
    assert.deepEqual(results, ['results for otel basics (call_1)', 'results for otel advanced (call_2)']);
    return app.spans();
  }

  it('@TraceAgentTask: invoke_agent {agent}, agent name and task id, AGENT kinds', async () => {
    const task = spanNamed(await runAgent(), 'invoke_agent researcher');
    assert.equal(task.kind, SpanKind.INTERNAL);
    assertAttributes(task, {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'researcher',
      'agent.task.id': 'task-9',
      'openinference.span.kind': 'AGENT',
      'traceloop.span.kind': 'agent',
    });
  });

  it('agent name defaults to the class name', async () => {
    await app.app.get(DefaultAgent).run();
    assertAttributes(spanNamed(app.spans(), 'invoke_agent DefaultAgent'), { 'gen_ai.agent.name': 'DefaultAgent', 'agent.task.id': undefined });
  });

  it('@TraceAgentStep: agent {phase}, phase, step id, and the task id inherited from the task', async () => {
    const spans = await runAgent();
    const planning = spanNamed(spans, 'agent planning');
    assertAttributes(planning, {
      'agent.step.phase': 'planning',
      'agent.task.id': 'task-9',
      'agent.step.id': undefined,
      'gen_ai.agent.name': 'researcher',
      'openinference.span.kind': 'CHAIN',
    });
    const steps = spans.filter((s) => s.name === 'agent step');
    assert.deepEqual(steps.map((s) => [s.attributes['agent.step.id'], s.attributes['agent.task.id']]), [
      ['1', 'task-9'],
      ['2', 'task-9'],
    ]);
  });

  it('@TraceTool: execute_tool {name}, tool name and call id, TOOL kinds; name defaults to the method', async () => {
    const spans = await runAgent();
    const tools = spans.filter((s) => s.name === 'execute_tool search');
    assert.equal(tools.length, 2);
    assertAttributes(tools[0]!, {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'search',
      'gen_ai.tool.call.id': 'call_1',
      'gen_ai.agent.name': 'researcher',
      'openinference.span.kind': 'TOOL',
      'traceloop.span.kind': 'tool',
    });
    assert.equal(app.app.get(SearchTools).calculator('1+2'), 3);
    assertAttributes(spanNamed(app.spans(), 'execute_tool calculator'), { 'gen_ai.tool.name': 'calculator' });
  });

  it('a step run outside any task takes its task id from its own option', () => {
    class Loose {
      @TraceAgentStep({ phase: 'task', taskId: (id: string) => id })
      work(id: string): string {
        return id;
      }
    }
    new Loose().work('t-1');
    const step = spanNamed(app.spans(), 'agent task');
    assertAttributes(step, { 'agent.task.id': 't-1', 'agent.step.phase': 'task' });
    assertLangfuseKeeps([step]);
  });
});

describe('nesting', () => {
  it('workflow > node > provider', async () => {
    const spans = await runResearch();
    const workflow = spanNamed(spans, 'invoke_workflow research');
    assert.equal(workflow.parentSpanContext, undefined, 'root');
    assert.deepEqual(
      childrenOf(spans, workflow).map((s) => s.name).sort(),
      ['node rank', 'node retrieve', 'node summarize'],
    );
    const provider = spanNamed(spans, 'chat gpt-4o');
    assert.equal(parentOf(spans, provider)?.name, 'node summarize');
    assert.equal(new Set(spans.map((s) => s.spanContext().traceId)).size, 1, 'one trace');
  });

  it('agent task > step > tool', async () => {
    await app.app.get(ResearchAgent).run({ id: 'task-9', goal: 'otel' });
    const spans = app.spans();
    const task = spanNamed(spans, 'invoke_agent researcher');
    assert.deepEqual(childrenOf(spans, task).map((s) => s.name), ['agent planning', 'agent step', 'agent step']);
    for (const step of spans.filter((s) => s.name === 'agent step')) {
      assert.deepEqual(childrenOf(spans, step).map((s) => s.name), ['execute_tool search']);
    }
  });

  it('every library span carries a gen_ai.* attribute (survives Langfuse’s default filter)', async () => {
    await runResearch();
    await app.app.get(ResearchAgent).run({ id: 'task-9', goal: 'otel' });
    const spans = app.spans();
    assert.equal(spans.length, 5 + 6);
    assertLangfuseKeeps(spans);
  });
});

describe('attribution', () => {
  it('withAttribution stamps user, session and tenant on every span inside, with the workflow ids', async () => {
    await app.tracing.withAttribution({ userId: 'u-1', sessionId: 's-1', tenantId: 't-1' }, () =>
      app.app.get(ResearchWorkflow).run(request),
    );
    const spans = app.spans();
    assert.equal(spans.length, 5);
    for (const span of spans) {
      assertAttributes(span, { 'user.id': 'u-1', 'session.id': 's-1', 'tenant.id': 't-1', 'workflow.id': 'wf-7', 'workflow.job_id': 'job-42' });
    }
  });

  it('withAttribution workflow/job ids apply when the workflow has no extractor; decorator extractors win', async () => {
    await app.tracing.withAttribution({ workflowId: 'outer-wf', jobId: 'outer-job', userId: 'u-2' }, async () => {
      app.app.get(ResearchWorkflow).unnamed();
      await app.app.get(ResearchWorkflow).run(request);
    });
    assertAttributes(spanNamed(app.spans(), 'invoke_workflow ResearchWorkflow.unnamed'), {
      'workflow.id': 'outer-wf',
      'workflow.job_id': 'outer-job',
      'user.id': 'u-2',
    });
    assertAttributes(spanNamed(app.spans(), 'node rank'), { 'workflow.id': 'wf-7', 'workflow.job_id': 'job-42', 'user.id': 'u-2' });
  });

  it('attribution does not leak to work started outside it', async () => {
    await app.tracing.withAttribution({ userId: 'u-3' }, () => app.app.get(ResearchWorkflow).run(request));
    app.app.get(ResearchNodes).untyped();
    assert.equal(spanNamed(app.spans(), 'node ResearchNodes.untyped').attributes['user.id'], undefined);
  });
});

describe('classes Nest does not manage', () => {
  it('trace exactly like providers', async () => {
    const workflow = new ResearchWorkflow(new ResearchNodes(new LlmClient()));
    assert.equal(await workflow.run(request), '2 docs, rank 4: summary of otel');
    const spans = app.spans();
    assert.deepEqual(spans.map((s) => s.name).sort(), [
      'chat gpt-4o',
      'invoke_workflow research',
      'node rank',
      'node retrieve',
      'node summarize',
    ]);
    assert.equal(parentOf(spans, spanNamed(spans, 'chat gpt-4o'))?.name, 'node summarize');
  });

  it('decorated inline classes and static methods', () => {
    class Static {
      @TraceTool({ name: 'static-tool' })
      static run(x: number): number {
        return x + 1;
      }

      @TraceNode({ nodeType: 'inline' })
      inline(): string {
        return 'inline';
      }
    }
    assert.equal(Static.run(1), 2);
    assert.equal(new Static().inline(), 'inline');
    assert.deepEqual(app.spans().map((s) => s.name), ['execute_tool static-tool', 'node inline']);
  });
});
