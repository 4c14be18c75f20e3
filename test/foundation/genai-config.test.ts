import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Test } from '@nestjs/testing';
import { TracingConfigError, TracingModule, type Evaluator, type TracingModuleOptions } from '../../lib/index.js';
import { resolveTracingConfig } from '../../lib/config/resolve-config.js';
import { envOf } from '../support/env.js';

const resolve = (env: Record<string, string>, options: TracingModuleOptions = {}) => resolveTracingConfig(options, envOf(env));
const fails = (env: Record<string, string>, options: TracingModuleOptions, message: string) =>
  assert.throws(() => resolve(env, options), (error: unknown) => error instanceof TracingConfigError && error.message === message);

const evaluator: Evaluator = { name: 'len', evaluate: () => undefined };

describe('conventions (option and TRACING_CONVENTIONS)', () => {
  it('defaults to OpenInference and Langfuse besides the always-on GenAI conventions', () => {
    assert.deepEqual(resolve({}).conventions, ['openinference', 'langfuse']);
  });

  it('reads a comma-separated variable (any case, spaces), `genai` alone meaning none of the others; the option wins', () => {
    assert.deepEqual(resolve({ TRACING_CONVENTIONS: ' Traceloop, openinference ' }).conventions, ['openinference', 'traceloop']);
    assert.deepEqual(resolve({ TRACING_CONVENTIONS: 'genai' }).conventions, []);
    assert.deepEqual(resolve({ TRACING_CONVENTIONS: '' }).conventions, ['openinference', 'langfuse']);
    assert.deepEqual(resolve({ TRACING_CONVENTIONS: 'traceloop' }, { conventions: ['langfuse'] }).conventions, ['langfuse']);
    assert.deepEqual(resolve({}, { conventions: [] }).conventions, []);
  });

  it('fails bootstrap on an unknown name, naming the option or the variable', () => {
    fails({ TRACING_CONVENTIONS: 'openinference,phoenix' }, {}, 'nestjs-ai-tracing: invalid environment variable TRACING_CONVENTIONS="openinference,phoenix": expected a list of "genai", "openinference", "traceloop", "langfuse", comma-separated');
    fails({}, { conventions: ['langsmith' as never] }, 'nestjs-ai-tracing: invalid option conventions=array: expected a list of "genai", "openinference", "traceloop", "langfuse"');
    fails({}, { conventions: 'langfuse' as never }, 'nestjs-ai-tracing: invalid option conventions="langfuse": expected a list of "genai", "openinference", "traceloop", "langfuse"');
  });

  it('a bad TRACING_CONVENTIONS stops the app at bootstrap, through TracingModule', async () => {
    const saved = process.env.TRACING_CONVENTIONS;
    process.env.TRACING_CONVENTIONS = 'otel';
    try {
      await assert.rejects(Test.createTestingModule({ imports: [TracingModule.forRoot({ exporter: 'memory' })] }).compile(), TracingConfigError);
    } finally {
      if (saved === undefined) delete process.env.TRACING_CONVENTIONS;
      else process.env.TRACING_CONVENTIONS = saved;
    }
  });
});

describe('evaluators and evaluation bounds', () => {
  it('defaults: no evaluators; 10 s timeout, 1,000 pending spans, 4 at once; options and variables override', () => {
    const c = resolve({});
    assert.deepEqual(c.evaluators, []);
    assert.deepEqual(c.evaluation, { timeoutMillis: 10_000, maxPending: 1000, concurrency: 4 });
    assert.deepEqual(resolve({ TRACING_EVALUATION_TIMEOUT: '500', TRACING_EVALUATION_MAX_PENDING: '20', TRACING_EVALUATION_CONCURRENCY: '2' }).evaluation, { timeoutMillis: 500, maxPending: 20, concurrency: 2 });
    assert.deepEqual(resolve({ TRACING_EVALUATION_TIMEOUT: '500' }, { evaluation: { timeoutMillis: 900 } }).evaluation.timeoutMillis, 900);
    assert.deepEqual(resolve({}, { evaluators: [evaluator] }).evaluators, [evaluator]);
  });

  it('fails bootstrap on a malformed evaluator or bound, naming it', () => {
    fails({}, { evaluators: evaluator as never }, 'nestjs-ai-tracing: invalid option evaluators=object: expected an array of { name, evaluate(span), roles?, filter? }');
    fails({}, { evaluators: [{ name: '', evaluate: () => undefined }] }, 'nestjs-ai-tracing: invalid option evaluators[0].name="": expected a non-empty string');
    fails({}, { evaluators: [evaluator, { name: 'x' } as never] }, 'nestjs-ai-tracing: invalid option evaluators[1].evaluate=undefined: expected a function (span) => result');
    fails({}, { evaluators: [{ ...evaluator, roles: ['llm' as never] }] }, 'nestjs-ai-tracing: invalid option evaluators[0].roles=array: expected a non-empty array of "workflow", "node", "provider", "agent_task", "agent_step", "tool", "http", "websocket", "queue", "rpc", "event", "http_client", "manual"');
    fails({}, { evaluators: [{ ...evaluator, filter: 'yes' as never }] }, 'nestjs-ai-tracing: invalid option evaluators[0].filter="yes": expected a function (span) => boolean');
    fails({ TRACING_EVALUATION_TIMEOUT: '0' }, {}, 'nestjs-ai-tracing: invalid environment variable TRACING_EVALUATION_TIMEOUT="0": expected an integer >= 1');
    fails({}, { evaluation: { concurrency: 1.5 } }, 'nestjs-ai-tracing: invalid option evaluation.concurrency=1.5: expected an integer >= 1');
  });
});
