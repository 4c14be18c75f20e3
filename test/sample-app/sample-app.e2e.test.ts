import type { INestApplication } from '@nestjs/common';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AttributionAttributes,
  CostAttributes,
  GenAiAttributes,
  HttpAttributes,
  TracingService,
  WebSocketAttributes,
  WorkflowAttributes,
  WS_OUTBOUND_EVENT,
} from '../../lib/index.js';
import { createSampleApp } from '../../sample-app/bootstrap.js';
import { connectAssistant, nextEvent } from '../../sample-app/demo/demo-client.js';
import { runDemoSession, type DemoSession } from '../../sample-app/demo/demo-session.js';
import { localModelEnv, startModelServer, type ModelServer } from '../../sample-app/model-server/model-server.js';
import type { WorkflowJobView } from '../../sample-app/workflows/workflow-job.js';
import { discardQueuedRuns } from '../../sample-app/workflows/queued/redis-connection.js';
import { tempDir } from '../support/temp-dir.js';
import { childrenOf, descendantsOf, parentOf, waitForSpans } from '../support/tracing-harness.js';

/**
 * The demo flow against the real sample app (HTTP on 127.0.0.1, socket.io, the local model server), with
 * spans in the in-memory exporter: asserts the trace shapes a user of the sample sees.
 */
describe('sample app: the demo flow, traced end to end', () => {
  let modelServer: ModelServer;
  let app: INestApplication;
  let baseUrl: string;
  let session: DemoSession;
  let spans: ReadableSpan[];
  const storeDir = tempDir('sample-app-e2e');
  // Queued runs use the shared Redis under a prefix of their own, deleted afterwards.
  const queuePrefix = `test-sample-${randomUUID().slice(0, 8)}`;

  before(async () => {
    modelServer = await startModelServer();
    Object.assign(process.env, {
      ...localModelEnv(modelServer, 'test'),
      TRACING_EXPORTER: 'memory',
      TRACING_STORE_PATH: storeDir.join('traces.db'),
      BULLMQ_PREFIX: queuePrefix,
    });
    app = await createSampleApp({ envFile: false, logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    session = await runDemoSession(baseUrl);
    const tracing = app.get(TracingService);
    const expectedRoots = [
      ...session.workflowRuns.map((r) => r.traceId),
      session.agentTask.traceId,
      session.chat.traceId,
      session.cancelledJob.runTraceId,
      session.failedRun.traceId,
      ...('ran' in session.queuedRun ? [session.queuedRun.ran.traceId] : []),
    ];
    // Request spans end once their response is out, which can be just after the client got it. A queued run's
    // consumer span ends once BullMQ has moved the job to completed, after the client may already see it completed;
    // its event listener span runs on a later turn of the event loop: their root (the request) ended long before.
    const queuedTraceId = 'ran' in session.queuedRun ? session.queuedRun.ran.traceId : undefined;
    const queuedSpans = ['process workflow-runs', 'event workflow.run.finished'];
    spans = await waitForSpans(
      () => tracing.getFinishedSpans(),
      (all) =>
        expectedRoots.every((traceId) => all.some((s) => s.spanContext().traceId === traceId && !parentOf(all, s))) &&
        (queuedTraceId === undefined || queuedSpans.every((name) => all.some((s) => s.spanContext().traceId === queuedTraceId && s.name === name))),
    );
  });

  after(async () => {
    await app?.close();
    await discardQueuedRuns(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', queuePrefix);
    await modelServer?.close();
    storeDir.cleanup();
  });

  const inTrace = (traceId: string) => spans.filter((s) => s.spanContext().traceId === traceId);
  const only = (list: ReadableSpan[], name: string): ReadableSpan => {
    const found = list.filter((s) => s.name === name);
    assert.equal(found.length, 1, `one "${name}" span expected, found ${found.length}: ${list.map((s) => s.name).join(', ')}`);
    return found[0]!;
  };
  const child = (parent: ReadableSpan, name: string) => only(childrenOf(spans, parent), name);
  // LLM calls, not the HTTP attempts (also CLIENT spans) the traced fetch records under them.
  const providerCalls = (parent: ReadableSpan) => descendantsOf(spans, parent).filter((s) => s.kind === SpanKind.CLIENT && s.attributes[GenAiAttributes.PROVIDER_NAME] !== undefined);
  const costOf = (parent: ReadableSpan) => providerCalls(parent).reduce((sum, call) => sum + Number(call.attributes[CostAttributes.USD] ?? 0), 0);
  const ms = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6;
  const CLOCK_ANCHOR_MS = 1;

  describe('workflow runs over HTTP', () => {
    it('answers each run with the completed job and its triage record', () => {
      for (const run of session.workflowRuns) {
        assert.equal(run.status, 200);
        assert.equal(run.job.status, 'completed');
        assert.equal(run.job.userId, run.user);
        assert.equal(run.job.traceId, run.traceId, 'the job remembers the trace it ran in');
        const result = run.job.result as { documentId: string; category: string; queue: string };
        assert.equal(result.documentId, run.documentId);
      }
    });

    it('traces HTTP request > workflow > fetch, summarize, classify, merge, joined to the client trace', () => {
      for (const run of session.workflowRuns) {
        const http = only(inTrace(run.traceId), 'POST /workflows/:workflowId/runs');
        assert.equal(http.kind, SpanKind.SERVER);
        assert.equal(http.attributes[HttpAttributes.ROUTE], '/workflows/:workflowId/runs');
        assert.equal(http.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 200);
        assert.equal(http.attributes[AttributionAttributes.USER_ID], run.user);
        const workflow = child(http, 'invoke_workflow document-triage');
        assert.equal(workflow.attributes[WorkflowAttributes.STATUS], 'completed');
        assert.equal(workflow.attributes[WorkflowAttributes.WORKFLOW_ID], 'document-triage');
        assert.equal(workflow.attributes[WorkflowAttributes.JOB_ID], run.job.jobId);
        assert.deepEqual(
          childrenOf(spans, workflow).map((s) => s.name).sort(),
          ['node classify', 'node fetch', 'node merge', 'node summarize'],
        );
      }
    });

    it('runs summarize and classify in parallel, each with its provider call', () => {
      for (const run of session.workflowRuns) {
        const workflow = only(inTrace(run.traceId), 'invoke_workflow document-triage');
        const summarize = child(workflow, 'node summarize');
        const classify = child(workflow, 'node classify');
        assert.ok(ms(summarize.startTime) < ms(classify.endTime) && ms(classify.startTime) < ms(summarize.endTime), 'the two nodes overlap in time');
        const [anthropic] = childrenOf(spans, summarize);
        const [openai] = childrenOf(spans, classify);
        assert.equal(anthropic?.attributes[GenAiAttributes.PROVIDER_NAME], 'anthropic');
        assert.equal(anthropic?.name, 'chat claude-haiku-4-5');
        assert.equal(openai?.attributes[GenAiAttributes.PROVIDER_NAME], 'openai');
        assert.equal(openai?.name, 'chat gpt-4o-mini');
      }
    });

    it('records usage, the response model and cost on every provider call, attributed to the user and tenant', () => {
      for (const run of session.workflowRuns) {
        const workflow = only(inTrace(run.traceId), 'invoke_workflow document-triage');
        for (const call of providerCalls(workflow)) {
          assert.ok(Number(call.attributes[GenAiAttributes.USAGE_INPUT_TOKENS]) > 0, `${call.name} input tokens`);
          assert.ok(Number(call.attributes[GenAiAttributes.USAGE_OUTPUT_TOKENS]) > 0, `${call.name} output tokens`);
          assert.ok(Number(call.attributes[CostAttributes.USD]) > 0, `${call.name} cost`);
          assert.match(String(call.attributes[GenAiAttributes.RESPONSE_MODEL]), /-\d{4}-?\d{2}-?\d{2}$|\d{8}$/, 'the provider reports a dated snapshot');
          assert.equal(call.attributes[AttributionAttributes.USER_ID], run.user);
          assert.equal(call.attributes[AttributionAttributes.TENANT_ID], run.user === 'alice' ? 'acme' : 'globex');
          assert.equal(call.attributes[WorkflowAttributes.JOB_ID], run.job.jobId);
        }
      }
    });

    it('prices the classifier with the custom price from the sample config', () => {
      const classifierCalls = session.workflowRuns.map((run) => {
        const workflow = only(inTrace(run.traceId), 'invoke_workflow document-triage');
        return childrenOf(spans, child(workflow, 'node classify'))[0]!;
      });
      for (const call of classifierCalls) assert.equal(call.attributes[CostAttributes.SOURCE], 'custom');
    });

    it("reads the summarizer's prompt cache: written by the first run, read by the later ones", () => {
      const [first, ...later] = session.workflowRuns.map((run) => {
        const workflow = only(inTrace(run.traceId), 'invoke_workflow document-triage');
        return childrenOf(spans, child(workflow, 'node summarize'))[0]!;
      });
      assert.ok(Number(first!.attributes[GenAiAttributes.USAGE_CACHE_CREATION_INPUT_TOKENS]) > 0);
      for (const call of later) assert.ok(Number(call.attributes[GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS]) > 0);
    });

    it('rolls the cost up: workflow and request spans carry the exact sum of their provider calls', () => {
      for (const run of session.workflowRuns) {
        const http = only(inTrace(run.traceId), 'POST /workflows/:workflowId/runs');
        const workflow = child(http, 'invoke_workflow document-triage');
        for (const span of [workflow, http]) {
          assert.ok(Math.abs(Number(span.attributes[CostAttributes.TOTAL_USD]) - costOf(span)) < 1e-12, `${span.name} cost.total_usd`);
          assert.equal(span.attributes[CostAttributes.LLM_CALLS], 2);
        }
      }
    });
  });

  describe('agent task', () => {
    it('answers with a plan of tool calls, findings and an answer', () => {
      const { status, result } = session.agentTask;
      assert.equal(status, 200);
      assert.deepEqual(result.plan.map((p) => p.tool).sort(), ['calculator', 'search_documents']);
      const calculation = result.findings.find((f) => f.tool === 'calculator');
      assert.equal(calculation?.input, '12 * 49 * 10');
      assert.equal(calculation?.output, '5880');
      assert.ok(result.answer.length > 0);
    });

    it('traces agent task > planning (one LLM call) and steps > tools and LLM calls', () => {
      const http = only(inTrace(session.agentTask.traceId), 'POST /agents/tasks');
      const task = child(http, 'invoke_agent support-researcher');
      assert.equal(task.attributes[WorkflowAttributes.AGENT_TASK_ID], session.agentTask.result.taskId);
      const planning = child(task, 'agent planning');
      const [planner] = childrenOf(spans, planning);
      assert.equal(planner?.attributes[GenAiAttributes.REQUEST_MODEL], 'o4-mini');
      assert.ok(Number(planner?.attributes[GenAiAttributes.USAGE_REASONING_OUTPUT_TOKENS]) > 0, 'the planner spends reasoning tokens');

      const steps = childrenOf(spans, task).filter((s) => s.name === 'agent step');
      const planned = session.agentTask.result.plan.map((p, i) => `${i + 1}-${p.tool}`);
      assert.deepEqual(steps.map((s) => s.attributes[WorkflowAttributes.AGENT_STEP_ID]).sort(), [...planned, 'answer'].sort());
      for (const step of steps) assert.equal(step.attributes[WorkflowAttributes.AGENT_TASK_ID], session.agentTask.result.taskId);

      const stepOf = (id: string) => steps.find((s) => s.attributes[WorkflowAttributes.AGENT_STEP_ID] === id)!;
      const stepFor = (tool: string) => stepOf(planned.find((id) => id.endsWith(`-${tool}`))!);
      const calculator = child(stepFor('calculator'), 'execute_tool calculator');
      assert.equal(calculator.attributes[GenAiAttributes.AGENT_NAME], 'support-researcher');
      assert.ok(String(calculator.attributes[GenAiAttributes.TOOL_CALL_ID]).startsWith('call_'));
      const search = stepFor('search_documents');
      assert.deepEqual(childrenOf(spans, search).map((s) => s.name).sort(), ['chat claude-haiku-4-5', 'execute_tool search_documents']);
      const [answer] = childrenOf(spans, stepOf('answer'));
      assert.equal(answer?.attributes[GenAiAttributes.REQUEST_STREAM], true);
      assert.ok(Number(answer?.attributes[GenAiAttributes.RESPONSE_TIME_TO_FIRST_CHUNK]) > 0);
      assert.ok(Number(answer?.attributes[GenAiAttributes.USAGE_OUTPUT_TOKENS]) > 0, 'usage read from message_start/message_delta');
    });

    it('rolls the cost of its three LLM calls up to the task and the request', () => {
      const http = only(inTrace(session.agentTask.traceId), 'POST /agents/tasks');
      const task = child(http, 'invoke_agent support-researcher');
      for (const span of [task, http]) {
        assert.equal(span.attributes[CostAttributes.LLM_CALLS], 3);
        assert.ok(Math.abs(Number(span.attributes[CostAttributes.TOTAL_USD]) - costOf(span)) < 1e-12);
      }
    });
  });

  describe('WebSocket gateway', () => {
    it('traces a chat message as one SERVER span joined to the client trace, with every streamed reply on it', () => {
      const message = only(inTrace(session.chat.traceId), 'websocket chat_message');
      assert.equal(message.kind, SpanKind.SERVER);
      assert.equal(message.parentSpanContext?.isRemote, true, 'parented on the payload traceparent');
      assert.equal(message.attributes[WebSocketAttributes.EVENT], 'chat_message');
      assert.equal(message.attributes[WebSocketAttributes.DIRECTION], 'inbound');
      assert.equal(message.attributes[AttributionAttributes.USER_ID], 'alice', 'user from the handshake');
      assert.equal(message.attributes[AttributionAttributes.SESSION_ID], 'thread-1', 'session from the payload threadId');
      assert.ok(session.chat.tokens > 1);
      assert.equal(message.attributes[WebSocketAttributes.OUTBOUND_MESSAGES], session.chat.tokens + 1);
      const outbound = message.events.filter((e) => e.name === WS_OUTBOUND_EVENT).map((e) => e.attributes?.[WebSocketAttributes.EVENT]);
      assert.deepEqual(outbound, [...Array<string>(session.chat.tokens).fill('chat_token'), 'chat_done']);
    });

    it('streams the chat from one OpenAI call under the message span, which ends after it', () => {
      const message = only(inTrace(session.chat.traceId), 'websocket chat_message');
      const [call] = childrenOf(spans, message);
      assert.equal(call?.kind, SpanKind.CLIENT);
      assert.equal(call?.attributes[GenAiAttributes.REQUEST_STREAM], true);
      assert.ok(Number(call?.attributes[GenAiAttributes.USAGE_OUTPUT_TOKENS]) > 0, 'usage from the include_usage chunk');
      // The SDK anchors each span's start to Date.now(), in whole milliseconds, and times its end from there, so the
      // end times of two spans can be compared only to within 1 ms.
      assert.ok(ms(message.endTime) > ms(call!.endTime) - CLOCK_ANCHOR_MS, 'the message span ends after the streamed call');
      assert.ok(Math.abs(Number(message.attributes[CostAttributes.TOTAL_USD]) - costOf(message)) < 1e-12);
    });

    it('marks a cancelled job as cancelled, not as an error, and traces its pushed progress', () => {
      const trace = inTrace(session.cancelledJob.runTraceId);
      const message = only(trace, 'websocket run_job');
      assert.equal(message.attributes[WorkflowAttributes.JOB_ID], undefined, 'the job id is not known before the job starts');
      const workflow = child(message, 'invoke_workflow document-triage');
      assert.equal(workflow.attributes[WorkflowAttributes.STATUS], 'cancelled');
      assert.notEqual(workflow.status.code, SpanStatusCode.ERROR);
      assert.equal(workflow.attributes[WorkflowAttributes.JOB_ID], session.cancelledJob.jobId);
      for (const call of providerCalls(workflow)) assert.notEqual(call.status.code, SpanStatusCode.ERROR, `${call.name} was cancelled, not failed`);

      const emits = trace.filter((s) => s.name.startsWith('websocket emit '));
      assert.ok(emits.some((s) => s.name === 'websocket emit job_progress'));
      assert.ok(emits.some((s) => s.name === 'websocket emit job_cancelled'));
      for (const emit of emits) {
        assert.equal(emit.kind, SpanKind.PRODUCER);
        assert.equal(emit.attributes[WebSocketAttributes.DIRECTION], 'outbound');
      }
      assert.equal(session.cancelledJob.cancelled, true);
      only(inTrace(session.cancelledJob.cancelTraceId), 'websocket cancel_job');
    });

    it('reports the cancelled job through the status endpoint', async () => {
      const response = await fetch(`${baseUrl}/workflows/runs/${session.cancelledJob.jobId}`);
      const job = (await response.json()) as WorkflowJobView;
      assert.equal(job.status, 'cancelled');
    });
  });

  describe('a run whose provider fails', () => {
    it('answers 502 and marks the request, the workflow and the provider call as errors', () => {
      assert.equal(session.failedRun.status, 502);
      assert.match(session.failedRun.message, /anthropic: 404 not_found_error/);
      const http = only(inTrace(session.failedRun.traceId), 'POST /workflows/:workflowId/runs');
      assert.equal(http.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 502);
      assert.equal(http.status.code, SpanStatusCode.ERROR);
      const workflow = child(http, 'invoke_workflow document-triage');
      assert.equal(workflow.attributes[WorkflowAttributes.STATUS], 'error');
      const summarizeCall = childrenOf(spans, child(workflow, 'node summarize'))[0]!;
      assert.equal(summarizeCall.status.code, SpanStatusCode.ERROR);
      assert.equal(summarizeCall.attributes[HttpAttributes.ERROR_TYPE], 'AnthropicApiError');
      assert.equal(summarizeCall.attributes[GenAiAttributes.REQUEST_MODEL], 'claude-opus-9');
      const classifyCall = childrenOf(spans, child(workflow, 'node classify'))[0]!;
      // The sibling branch is aborted when summarize fails, rather than left running past the workflow.
      assert.notEqual(classifyCall.status.code, SpanStatusCode.ERROR, 'the sibling branch is cancelled, not failed');
      assert.ok(classifyCall.events.some((e) => e.name === 'cancelled'), 'the sibling call was aborted');
    });
  });

  describe('bad input', () => {
    it('answers 400 listing every invalid field, and 404 for an unknown workflow', async () => {
      const post = (path: string, body: unknown) =>
        fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const invalid = await post('/workflows/document-triage/runs', { documentId: 'Not An Id', summaryLength: 'huge' });
      assert.equal(invalid.status, 400);
      assert.deepEqual(((await invalid.json()) as { message: string[] }).message, [
        'documentId: must match /^[a-z0-9-]+$/',
        'summaryLength: must be one of: short, detailed',
      ]);
      assert.equal((await post('/workflows/unknown/runs', { documentId: 'ticket-4711' })).status, 404);
    });

    it('tells a socket client why its message failed', async () => {
      const socket = await connectAssistant(baseUrl, 'bob');
      try {
        const failure = nextEvent<{ statusCode: number; message: unknown; event: string }>(socket, 'exception');
        socket.emit('cancel_job', { jobId: 'no-such-job' });
        assert.deepEqual(await failure, { status: 'error', statusCode: 404, message: 'No job "no-such-job"', event: 'cancel_job' });
      } finally {
        socket.disconnect();
      }
    });
  });

  it("answers a run's status with its cost, read back from the trace store: the workflow span's rollup", async () => {
    const run = session.workflowRuns[0]!;
    const workflow = only(inTrace(run.traceId), 'invoke_workflow document-triage');
    // The store writes in batches shortly after the run: poll (bounded) until the run is in it.
    let job: WorkflowJobView | undefined;
    for (const deadline = Date.now() + 5000; Date.now() < deadline && !job?.cost; await new Promise((r) => setTimeout(r, 20))) {
      job = (await (await fetch(`${baseUrl}/workflows/runs/${run.job.jobId}`)).json()) as WorkflowJobView;
    }
    assert.equal(job?.status, 'completed');
    assert.deepEqual(job?.cost, {
      totalUsd: workflow.attributes[CostAttributes.TOTAL_USD],
      inputTokens: workflow.attributes[CostAttributes.INPUT_TOKENS],
      outputTokens: workflow.attributes[CostAttributes.OUTPUT_TOKENS],
      llmCalls: 2,
    });
  });

  describe('a run queued on BullMQ (?mode=queued)', () => {
    const queued = () => {
      assert.ok('ran' in session.queuedRun, `the queued run was skipped: ${'skipped' in session.queuedRun ? session.queuedRun.skipped : ''}`);
      return session.queuedRun.ran;
    };

    it('answers 202 at once, and the result by job id once a worker ran it, for the user who queued it', () => {
      const run = queued();
      assert.equal(run.status, 202);
      assert.equal(run.job.status, 'completed');
      assert.equal(run.job.userId, 'alice');
      assert.equal(run.job.traceId, run.traceId);
      assert.equal((run.job.result as { documentId: string }).documentId, run.documentId);
    });

    it('traces request > send (PRODUCER) > process (CONSUMER) > workflow and the finished event, attributed to the caller', () => {
      const run = queued();
      const http = only(inTrace(run.traceId), 'POST /workflows/:workflowId/runs');
      assert.equal(http.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 202);
      const send = child(http, 'send workflow-runs');
      assert.equal(send.kind, SpanKind.PRODUCER);
      assert.equal(send.attributes['messaging.message.id'], run.job.jobId);
      const process = child(send, 'process workflow-runs');
      assert.equal(process.kind, SpanKind.CONSUMER);
      const workflow = child(process, 'invoke_workflow document-triage');
      assert.equal(workflow.attributes[WorkflowAttributes.JOB_ID], run.job.jobId);
      const event = child(process, 'event workflow.run.finished');
      for (const span of [process, workflow, event, ...providerCalls(workflow)]) {
        assert.equal(span.attributes[AttributionAttributes.USER_ID], 'alice', span.name);
        assert.equal(span.attributes[AttributionAttributes.TENANT_ID], 'acme', span.name);
      }
      assert.equal(process.attributes[CostAttributes.LLM_CALLS], 2);
      assert.ok(Math.abs(Number(process.attributes[CostAttributes.TOTAL_USD]) - costOf(process)) < 1e-12);
      assert.equal(http.attributes[CostAttributes.TOTAL_USD], undefined, 'the request ended before the job ran');
    });

    it('answers 400 for an unknown mode', async () => {
      const response = await fetch(`${baseUrl}/workflows/document-triage/runs?mode=later`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ documentId: 'ticket-4711' }),
      });
      assert.equal(response.status, 400);
    });
  });

  it('answers the status endpoint for a finished HTTP run', () => {
    assert.equal(session.statusCheck.status, 200);
    assert.equal(session.statusCheck.job.status, 'completed');
    assert.equal(session.statusCheck.job.jobId, session.workflowRuns[0]!.job.jobId);
  });
});
