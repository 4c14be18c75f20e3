import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { TraceNode, TraceProvider, TraceWorkflow } from '../../lib/index.js';
import { createAuditedApp, type AuditedApp } from '../support/span-audit.js';

interface Job {
  id: string;
  /** Provider calls this job makes (0 for some jobs). */
  calls: number;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const tokensOf = (job: Job, call: number) => ({ input: job.id.length + call, output: 2 * call + 1 });

@Injectable()
class Model {
  /** The job id travels in the request, so each provider span names the job it really belongs to. */
  @TraceProvider({ provider: 'openai', attributes: (req: { job: string }) => ({ 'test.job': req.job }) })
  async chat(req: { model: string; job: string; input: number; output: number }) {
    await tick();
    return { model: req.model, usage: { prompt_tokens: req.input, completion_tokens: req.output, total_tokens: req.input + req.output } };
  }
}

@Injectable()
class Nodes {
  constructor(private readonly model: Model) {}

  @TraceNode({ nodeType: 'fetch', nodeId: (job: Job) => `${job.id}/fetch` })
  async fetch(_job: Job): Promise<number> {
    await tick();
    await tick();
    return 1;
  }

  @TraceNode({ nodeType: 'parse', nodeId: (job: Job) => `${job.id}/parse` })
  parse(job: Job): number {
    return job.id.length;
  }

  @TraceNode({ nodeType: 'ask', nodeId: (job: Job) => `${job.id}/ask` })
  async ask(job: Job): Promise<number> {
    await tick();
    const answers = await Promise.all(
      Array.from({ length: job.calls }, (_, i) => {
        const { input, output } = tokensOf(job, i + 1);
        return this.model.chat({ model: 'gpt-4o-mini', job: job.id, input, output });
      }),
    );
    return answers.length;
  }
}

@Injectable()
class Pipeline {
  constructor(private readonly nodes: Nodes) {}

  @TraceWorkflow({ name: 'pipeline', jobId: (job: Job) => job.id })
  async run(job: Job): Promise<number> {
    await tick();
    const parts = await Promise.all([this.nodes.fetch(job), this.nodes.parse(job), this.nodes.ask(job), this.nodes.fetch(job)]);
    return parts.reduce((a, b) => a + b, 0);
  }
}

const JOBS: Job[] = Array.from({ length: 1000 }, (_, i) => ({ id: `job-${i}`, calls: i % 3 }));

let app: AuditedApp;
let spans: ReadableSpan[];

before(async () => {
  app = await createAuditedApp({ providers: [Model, Nodes, Pipeline] });
  const pipeline = app.app.get(Pipeline);
  const results = await Promise.all(JOBS.map((job) => pipeline.run(job)));
  results.forEach((result, i) => assert.equal(result, 2 + JOBS[i]!.id.length + JOBS[i]!.calls));
  spans = app.spans();
});
after(() => app.auditAndClose());

describe('1,000 concurrent workflows, nodes in Promise.all, provider calls inside', () => {
  it('exports every span exactly once', () => {
    const expected = JOBS.reduce((sum, job) => sum + 1 + 4 + job.calls, 0);
    assert.equal(spans.length, expected);
    assert.equal(new Set(spans.map((s) => s.spanContext().spanId)).size, expected);
  });

  it('every node span is a child of its own workflow (zero mis-parented)', () => {
    const workflows = new Map(spans.filter((s) => s.name === 'invoke_workflow pipeline').map((s) => [s.spanContext().spanId, s]));
    assert.equal(workflows.size, JOBS.length);
    const nodes = spans.filter((s) => s.name.startsWith('node '));
    assert.equal(nodes.length, JOBS.length * 4);
    const misparented = nodes.filter((node) => {
      const parent = workflows.get(node.parentSpanContext?.spanId ?? '');
      const ownJob = String(node.attributes['workflow.node.id']).split('/')[0];
      return !parent || parent.attributes['workflow.job_id'] !== ownJob || parent.spanContext().traceId !== node.spanContext().traceId;
    });
    assert.deepEqual(misparented.map((s) => s.attributes['workflow.node.id']), []);
  });

  it('every provider span is a child of its own job’s ask node', () => {
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const providers = spans.filter((s) => s.name === 'chat gpt-4o-mini');
    assert.equal(providers.length, JOBS.reduce((sum, job) => sum + job.calls, 0));
    const misparented = providers.filter((provider) => {
      const parent = byId.get(provider.parentSpanContext?.spanId ?? '');
      return parent?.attributes['workflow.node.id'] !== `${provider.attributes['test.job']}/ask`;
    });
    assert.equal(misparented.length, 0);
  });

  it('every workflow’s rolled-up LLM calls and tokens are exact', () => {
    const workflows = spans.filter((s) => s.name === 'invoke_workflow pipeline');
    for (const workflow of workflows) {
      const job = JOBS.find((j) => j.id === workflow.attributes['workflow.job_id'])!;
      if (job.calls === 0) {
        assert.equal(workflow.attributes['cost.llm_calls'], undefined, `${job.id}: no calls, no rollup`);
        continue;
      }
      let input = 0;
      let output = 0;
      for (let call = 1; call <= job.calls; call++) {
        input += tokensOf(job, call).input;
        output += tokensOf(job, call).output;
      }
      assert.equal(workflow.attributes['cost.llm_calls'], job.calls, job.id);
      assert.equal(workflow.attributes['cost.input_tokens'], input, job.id);
      assert.equal(workflow.attributes['cost.output_tokens'], output, job.id);
      const ask = spans.find((s) => s.attributes['workflow.node.id'] === `${job.id}/ask`)!;
      assert.equal(ask.attributes['cost.llm_calls'], job.calls, `${job.id}: node rollup`);
    }
  });
});
