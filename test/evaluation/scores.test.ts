import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { TraceNode, TraceProvider, TracingService, type Evaluator, type TracingModuleOptions } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { configuredBy } from '../support/config-service.js';
import { spanNamed, waitForSpans, type TracedApp } from '../support/tracing-harness.js';
import { readStream, waitFor } from '../support/waits.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

@Injectable()
class Answers {
  constructor(private readonly tracing: TracingService) {}

  @TraceProvider({ provider: 'openai' })
  async complete(request: { model: string; question: string }) {
    await tick();
    return {
      id: `chatcmpl-${request.question.length}`,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: `Answer to ${request.question}` }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5 },
    };
  }

  @TraceProvider({ provider: 'openai' })
  async stream(_request: { model: string; stream: true }) {
    async function* chunks() {
      for (const word of ['Streamed', ' answer']) yield { id: 'chatcmpl-s', choices: [{ index: 0, delta: { content: word }, finish_reason: null }] };
      yield { id: 'chatcmpl-s', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
    }
    return chunks();
  }

  /** The app scores the answer itself, in the node that asked for it. */
  @TraceNode({ nodeType: 'ask' })
  async ask(question: string) {
    const answer = await this.complete({ model: 'gpt-4o-mini', question });
    const text = answer.choices[0]!.message.content;
    this.tracing.score('mentions_question', text.includes(question) ? 1 : 0, { label: text.includes(question) ? 'pass' : 'fail', explanation: 'the answer repeats the question' });
    return text;
  }
}

const apps = tracedAppPerTest({ providers: [Answers], listen: false });

interface Started {
  app: TracedApp;
  answers: Answers;
  tracing: TracingService;
  spans: () => ReadableSpan[];
}

/** An app with `tracing` as options, or with `variables` read through ConfigService (options beside them). */
async function start(tracing: TracingModuleOptions = {}, variables?: Record<string, string>): Promise<Started> {
  const app = variables ? await apps.boot(await configuredBy(variables, { exporter: 'memory', ...tracing })) : await apps.boot({ tracing });
  return { app, answers: app.app.get(Answers), tracing: app.tracing, spans: app.spans };
}

const evaluations = (span: ReadableSpan) => span.events.filter((e) => e.name === 'gen_ai.evaluation.result').map((e) => e.attributes ?? {});
const hr = (t: [number, number]) => t[0] * 1e9 + t[1];

describe('TracingService.score', () => {
  it('adds a gen_ai.evaluation.result event to the active span, with the response id inside a provider call', async () => {
    const { answers, tracing, spans } = await start();
    await answers.ask('refunds');
    assert.deepEqual(evaluations(spanNamed(spans(), 'node ask')), [
      { 'gen_ai.evaluation.name': 'mentions_question', 'gen_ai.evaluation.score.value': 1, 'gen_ai.evaluation.score.label': 'pass', 'gen_ai.evaluation.explanation': 'the answer repeats the question' },
    ]);
    await tracing.withSpan('manual', () => assert.equal(tracing.score('label_only', undefined, { label: 'ok' }), true));
    assert.deepEqual(evaluations(spanNamed(spans(), 'manual')), [{ 'gen_ai.evaluation.name': 'label_only', 'gen_ai.evaluation.score.label': 'ok' }]);
  });

  it('returns false and records nothing outside a span, without a name, or without a value or a label', async () => {
    const { tracing, spans } = await start();
    assert.equal(tracing.score('outside', 1), false);
    await tracing.withSpan('manual', () => {
      assert.equal(tracing.score('', 1), false);
      assert.equal(tracing.score('nothing', undefined), false);
      assert.equal(tracing.score('nan', Number.NaN), false);
    });
    assert.deepEqual(evaluations(spanNamed(spans(), 'manual')), []);
  });
});

describe('evaluators', () => {
  const lengthOf: Evaluator = { name: 'answer_length', evaluate: (span) => (span.outputText ? { value: span.outputText.length } : undefined) };

  it('run after the provider span ends, off the request path; results land on it before export, end time kept', async () => {
    let evaluatedAt = 0n;
    const slow: Evaluator = {
      name: 'judge',
      evaluate: async (span) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        evaluatedAt = process.hrtime.bigint();
        return [{ name: 'relevance', value: 0.9, label: 'relevant', explanation: `judged ${span.responseModel}` }, { name: 'tone', label: 'polite' }];
      },
    };
    const { answers, spans } = await start({ evaluators: [lengthOf, slow] });
    const answer = await answers.complete({ model: 'gpt-4o-mini', question: 'refunds' });
    assert.equal(spans().filter((s) => s.name === 'chat gpt-4o-mini').length, 0, 'not exported while evaluators run');
    assert.equal(evaluatedAt, 0n, 'the caller had its answer before the evaluators started');
    const [span] = await waitForSpans(spans, (s) => s.some((x) => x.name === 'chat gpt-4o-mini'));
    assert.deepEqual(
      evaluations(span!).sort((a, b) => String(a['gen_ai.evaluation.name']).localeCompare(String(b['gen_ai.evaluation.name']))),
      [
        { 'gen_ai.evaluation.name': 'answer_length', 'gen_ai.evaluation.score.value': answer.choices[0]!.message.content.length, 'gen_ai.response.id': answer.id },
        { 'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': 0.9, 'gen_ai.evaluation.score.label': 'relevant', 'gen_ai.evaluation.explanation': 'judged gpt-4o-mini-2024-07-18', 'gen_ai.response.id': answer.id },
        { 'gen_ai.evaluation.name': 'tone', 'gen_ai.evaluation.score.label': 'polite', 'gen_ai.response.id': answer.id },
      ],
    );
    const judged = span!.events.find((e) => e.attributes?.['gen_ai.evaluation.name'] === 'relevance')!;
    assert.ok(hr(span!.endTime) < hr(judged.time), 'the span keeps the end time of the call, before the evaluation');
  });

  it('see streamed output with content capture off, and record no content', async () => {
    const { answers, spans } = await start({ captureContent: false, evaluators: [lengthOf] });
    await readStream(await answers.stream({ model: 'gpt-4o-mini', stream: true }), 'the end of the stream');
    const [span] = await waitForSpans(spans, (s) => s.some((x) => x.name === 'chat gpt-4o-mini'));
    assert.deepEqual(evaluations(span!), [{ 'gen_ai.evaluation.name': 'answer_length', 'gen_ai.evaluation.score.value': 'Streamed answer'.length, 'gen_ai.response.id': 'chatcmpl-s' }]);
    assert.equal(span!.attributes['gen_ai.output.messages'], undefined);
    assert.equal(span!.attributes['output.value'], undefined);
  });

  it('a throwing, a rejecting and a hanging evaluator never reach the request; each is an evaluation result with error.type', async () => {
    const throwing: Evaluator = { name: 'throws', evaluate: () => { throw new TypeError('bad evaluator'); } };
    const rejecting: Evaluator = { name: 'rejects', evaluate: async () => Promise.reject(new RangeError('bad')) };
    const hanging: Evaluator = { name: 'hangs', evaluate: () => new Promise(() => undefined) };
    const { answers, spans } = await start({ evaluators: [throwing, rejecting, hanging, lengthOf], evaluation: { timeoutMillis: 50 } });
    const answer = await answers.complete({ model: 'gpt-4o-mini', question: 'q' });
    assert.equal(answer.id, 'chatcmpl-1');
    const [span] = await waitForSpans(spans, (s) => s.some((x) => x.name === 'chat gpt-4o-mini'));
    const byName = Object.fromEntries(evaluations(span!).map((e) => [e['gen_ai.evaluation.name'], e]));
    assert.equal(byName.throws?.['error.type'], 'TypeError');
    assert.equal(byName.rejects?.['error.type'], 'RangeError');
    assert.equal(byName.hangs?.['error.type'], 'timeout');
    assert.equal(byName.answer_length?.['gen_ai.evaluation.score.value'], 'Answer to q'.length);
  });

  it('are bounded: past evaluation.maxPending spans are exported unevaluated; at close the waiting ones are exported', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gated: Evaluator = { name: 'gated', evaluate: async () => (await gate, { value: 1 }) };
    const { answers, spans } = await start({ evaluators: [gated], evaluation: { maxPending: 2 } });
    for (let i = 0; i < 5; i++) await answers.complete({ model: 'gpt-4o-mini', question: `q${i}` });
    const unevaluated = await waitForSpans(spans, (s) => s.length === 3);
    assert.ok(unevaluated.every((s) => evaluations(s).length === 0));
    release();
    const all = await waitForSpans(spans, (s) => s.length === 5);
    assert.equal(all.filter((s) => evaluations(s).length === 1).length, 2);

    const stuck: Evaluator = { name: 'stuck', evaluate: () => new Promise(() => undefined) };
    const second = await start({ evaluators: [stuck], evaluation: { timeoutMillis: 60_000 } });
    await second.answers.complete({ model: 'gpt-4o-mini', question: 'at close' });
    assert.equal(second.spans().length, 0);
    await second.app.close();
    assert.equal(second.spans().length, 1, 'exported at shutdown, unevaluated');
  });

  it('look at the roles they name, and only at spans their filter keeps', async () => {
    const nodes: Evaluator = { name: 'node_seen', roles: ['node'], filter: (span) => span.name === 'node ask', evaluate: (span) => ({ value: span.durationMs >= 0 ? 1 : 0 }) };
    const { answers, spans } = await start({ evaluators: [nodes] });
    await answers.ask('x');
    const all = await waitForSpans(spans, (s) => s.length === 2);
    assert.equal(evaluations(spanNamed(all, 'node ask')).filter((e) => e['gen_ai.evaluation.name'] === 'node_seen').length, 1);
    assert.deepEqual(evaluations(spanNamed(all, 'chat gpt-4o-mini')), []);
  });
});

describe('evaluation settings', () => {
  /** An evaluator held until `release()`, counting how many evaluations run at once. */
  function held(): { evaluator: Evaluator; release: () => void; started: () => number } {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    apps.defer(() => release());
    return { evaluator: { name: 'held', evaluate: async () => (started++, await gate, { value: 1 }) }, release: () => release(), started: () => started };
  }

  /** Three answers to evaluate while the evaluator is held: how many evaluations start (once `atLeast` have). */
  async function startedWith(atLeast: number, tracing: TracingModuleOptions, variables?: Record<string, string>): Promise<number> {
    const gated = held();
    const { answers } = await start({ ...tracing, evaluators: [gated.evaluator] }, variables);
    for (let i = 0; i < 3; i++) await answers.complete({ model: 'gpt-4o-mini', question: `q${i}` });
    await waitFor(`${atLeast} evaluation(s) started`, () => (gated.started() >= atLeast ? true : undefined), { timeoutMs: 5000 });
    // A few more turns of the event loop: an evaluation past the bound would have started by now.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    return gated.started();
  }

  it('evaluation.concurrency bounds the evaluations running at once (control: three at once with 3)', async () => {
    assert.equal(await startedWith(3, { evaluation: { concurrency: 3 } }), 3);
    assert.equal(await startedWith(1, { evaluation: { concurrency: 1 } }), 1);
  });

  it('TRACING_EVALUATION_CONCURRENCY (through ConfigService) does the same', async () => {
    assert.equal(await startedWith(1, {}, { TRACING_EVALUATION_CONCURRENCY: '1' }), 1);
  });

  it('TRACING_EVALUATION_MAX_PENDING (through ConfigService): past it spans are exported unevaluated', async () => {
    const gated = held();
    const { answers, spans } = await start({ evaluators: [gated.evaluator] }, { TRACING_EVALUATION_MAX_PENDING: '2' });
    for (let i = 0; i < 5; i++) await answers.complete({ model: 'gpt-4o-mini', question: `q${i}` });
    const unevaluated = await waitForSpans(spans, (s) => s.length === 3);
    assert.ok(unevaluated.every((s) => evaluations(s).length === 0));
  });

  it('TRACING_EVALUATION_TIMEOUT (through ConfigService): a hanging evaluator ends as a timeout', async () => {
    const hanging: Evaluator = { name: 'hangs', evaluate: () => new Promise(() => undefined) };
    const { answers, spans } = await start({ evaluators: [hanging] }, { TRACING_EVALUATION_TIMEOUT: '50' });
    await answers.complete({ model: 'gpt-4o-mini', question: 'q' });
    const [span] = await waitForSpans(spans, (s) => s.some((x) => x.name === 'chat gpt-4o-mini'));
    assert.deepEqual(evaluations(span!).map((e) => [e['gen_ai.evaluation.name'], e['error.type']]), [['hangs', 'timeout']]);
  });
});
