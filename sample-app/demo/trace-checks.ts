import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { CostAttributes, GenAiAttributes, GenAiEvents, HttpAttributes, ProviderAttributes, WebSocketAttributes, WorkflowAttributes } from 'nestjs-ai-tracing';
import type { DemoSession } from './demo-session.js';
import { isError, num, overlap, str, type SpanSet } from './span-queries.js';

/** The verdict on one expected trace. */
export interface TraceCheck {
  label: string;
  traceId: string;
  problems: string[];
}

/**
 * Checks that every trace the session should have produced arrived with the expected shape:
 * request span > workflow/agent > nodes/steps > tools and provider calls, with usage, cost and rollups.
 */
export function checkDemoTraces(set: SpanSet, session: DemoSession): TraceCheck[] {
  return [
    ...session.workflowRuns.map((run, i) =>
      check(`workflow run ${i + 1} (${run.user}, ${run.documentId})`, run.traceId, (c) => {
        checkWorkflowRun(set, run.traceId, c);
        // The model server refused the demo's first OpenAI call with a 429: the SDK retried it in run 1.
        if (i === 0) checkRetriedCall(set, run.traceId, c);
      }),
    ),
    check('agent task', session.agentTask.traceId, (c) => checkAgentTask(set, session.agentTask.traceId, c)),
    check('streamed chat', session.chat.traceId, (c) => checkChat(set, session.chat.traceId, session.chat.tokens, c, session.chat.text)),
    check('cancelled job', session.cancelledJob.runTraceId, (c) => checkCancelledJob(set, session.cancelledJob.runTraceId, session.cancelledJob.cancelTraceId, c)),
    check('failing run (upstream 404)', session.failedRun.traceId, (c) => checkFailedRun(set, session.failedRun.traceId, c)),
    ...('ran' in session.queuedRun ? [session.queuedRun.ran] : []).map((run) => check('queued run (BullMQ; its cost is on the worker span)', run.traceId, (c) => checkQueuedRun(set, run.traceId, c))),
  ];
}

type Collector = (problem: string) => void;

function check(label: string, traceId: string, run: (fail: Collector) => void): TraceCheck {
  const problems: string[] = [];
  run((problem) => problems.push(problem));
  return { label, traceId, problems };
}

function one(spans: ReadableSpan[], name: string, fail: Collector): ReadableSpan | undefined {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) fail(`expected one "${name}" span, found ${found.length}`);
  return found[0];
}

function childNamed(set: SpanSet, parent: ReadableSpan | undefined, name: string, fail: Collector): ReadableSpan | undefined {
  if (!parent) return undefined;
  const found = set.children(parent).filter((s) => s.name === name);
  if (found.length !== 1) fail(`"${parent.name}" should have one child "${name}", has ${found.length}`);
  return found[0];
}

function providerCalls(set: SpanSet, parent: ReadableSpan | undefined): ReadableSpan[] {
  return parent ? set.descendants(parent).filter((s) => s.kind === SpanKind.CLIENT && str(s, GenAiAttributes.PROVIDER_NAME)) : [];
}

/** Usage, price and (content capture is on in the demo) the conversation on a provider span. */
function checkProviderCall(span: ReadableSpan, fail: Collector): void {
  if (!(num(span, GenAiAttributes.USAGE_INPUT_TOKENS)! > 0)) fail(`"${span.name}" has no input token count`);
  if (!(num(span, GenAiAttributes.USAGE_OUTPUT_TOKENS)! > 0)) fail(`"${span.name}" has no output token count`);
  if (!(num(span, CostAttributes.USD)! > 0)) fail(`"${span.name}" has no cost (cost.usd)`);
  if (!str(span, GenAiAttributes.INPUT_MESSAGES)) fail(`"${span.name}" has no gen_ai.input.messages`);
  if (!str(span, GenAiAttributes.OUTPUT_MESSAGES)) fail(`"${span.name}" has no gen_ai.output.messages`);
  if (!span.attributes[GenAiAttributes.RESPONSE_FINISH_REASONS]) fail(`"${span.name}" has no finish reasons`);
}

/** The HTTP attempts (traced fetch) under a provider span, first one first. */
export function attemptsOf(set: SpanSet, provider: ReadableSpan): ReadableSpan[] {
  return set
    .children(provider)
    .filter((s) => s.kind === SpanKind.CLIENT && s.attributes[HttpAttributes.REQUEST_METHOD] !== undefined)
    .sort((a, b) => (num(a, HttpAttributes.REQUEST_RESEND_COUNT) ?? 0) - (num(b, HttpAttributes.REQUEST_RESEND_COUNT) ?? 0));
}

/** One provider call of the trace was refused with a 429 and retried: two attempt spans, the rate-limit headers. */
function checkRetriedCall(set: SpanSet, traceId: string, fail: Collector): void {
  const retried = set.trace(traceId).filter((s) => num(s, ProviderAttributes.ATTEMPTS) === 2);
  if (retried.length !== 1) return fail(`expected one provider call retried once, found ${retried.length}`);
  const [first, second] = attemptsOf(set, retried[0]!);
  if (num(first, HttpAttributes.RESPONSE_STATUS_CODE) !== 429) fail('the first attempt should be a 429');
  if (str(first!, ProviderAttributes.ERROR_CODE) !== 'rate_limit_exceeded') fail('the 429 should carry the provider code rate_limit_exceeded');
  if (String(first?.attributes[`${HttpAttributes.RESPONSE_HEADER}.x-ratelimit-remaining-requests`]) !== '0') fail('the 429 should carry x-ratelimit-remaining-requests 0');
  if (num(second, HttpAttributes.RESPONSE_STATUS_CODE) !== 200 || num(second, HttpAttributes.REQUEST_RESEND_COUNT) !== 1) fail('the retry should be a 200 with http.request.resend_count 1');
}

/** `cost.total_usd` of `span` equals the sum of the provider calls under it. */
function checkRollup(set: SpanSet, span: ReadableSpan | undefined, fail: Collector): void {
  if (!span) return;
  const calls = providerCalls(set, span);
  const sum = calls.reduce((total, call) => total + (num(call, CostAttributes.USD) ?? 0), 0);
  const total = num(span, CostAttributes.TOTAL_USD);
  if (total === undefined) fail(`"${span.name}" has no rolled-up cost (cost.total_usd)`);
  else if (Math.abs(total - sum) > 1e-12) fail(`"${span.name}" cost.total_usd ${total} != sum of its ${calls.length} provider calls ${sum}`);
  if (num(span, CostAttributes.LLM_CALLS) !== calls.length) fail(`"${span.name}" cost.llm_calls ${num(span, CostAttributes.LLM_CALLS)} != ${calls.length}`);
}

function checkWorkflowRun(set: SpanSet, traceId: string, fail: Collector): void {
  const spans = set.trace(traceId);
  const http = one(spans, 'POST /workflows/:workflowId/runs', fail);
  if (http && num(http, HttpAttributes.RESPONSE_STATUS_CODE) !== 200) fail(`HTTP status ${num(http, HttpAttributes.RESPONSE_STATUS_CODE)}, expected 200`);
  const workflow = childNamed(set, http, 'invoke_workflow document-triage', fail);
  if (workflow && str(workflow, WorkflowAttributes.STATUS) !== 'completed') fail(`workflow.status is ${str(workflow, WorkflowAttributes.STATUS)}`);
  const nodes = ['fetch', 'summarize', 'classify', 'merge'].map((n) => childNamed(set, workflow, `node ${n}`, fail));
  const [, summarize, classify] = nodes;
  if (summarize && classify && !overlap(summarize, classify)) fail('summarize and classify did not run in parallel');
  for (const [node, provider] of [[summarize, 'anthropic'], [classify, 'openai']] as const) {
    const calls = providerCalls(set, node);
    if (node && (calls.length !== 1 || str(calls[0]!, GenAiAttributes.PROVIDER_NAME) !== provider)) fail(`"${node.name}" should make one ${provider} call`);
    calls.forEach((call) => checkProviderCall(call, fail));
  }
  checkRollup(set, workflow, fail);
  checkRollup(set, http, fail);
}

function checkAgentTask(set: SpanSet, traceId: string, fail: Collector): void {
  const spans = set.trace(traceId);
  const http = one(spans, 'POST /agents/tasks', fail);
  const task = childNamed(set, http, 'invoke_agent support-researcher', fail);
  const planning = childNamed(set, task, 'agent planning', fail);
  if (planning && providerCalls(set, planning).length !== 1) fail('planning should make one LLM call');
  const steps = task ? set.children(task).filter((s) => s.name === 'agent step') : [];
  const tools = steps.flatMap((step) => set.children(step).filter((s) => str(s, GenAiAttributes.OPERATION_NAME) === 'execute_tool'));
  for (const tool of ['calculator', 'search_documents']) {
    if (!tools.some((t) => str(t, GenAiAttributes.TOOL_NAME) === tool)) fail(`no "execute_tool ${tool}" span under an agent step`);
  }
  const answer = steps.find((s) => str(s, WorkflowAttributes.AGENT_STEP_ID) === 'answer');
  const streamed = providerCalls(set, answer);
  if (!answer) fail('no answer step');
  else if (streamed.length !== 1 || streamed[0]!.attributes[GenAiAttributes.REQUEST_STREAM] !== true) fail('the answer step should make one streamed LLM call');
  providerCalls(set, task).forEach((call) => checkProviderCall(call, fail));
  if (answer && !answer.events.some((e) => e.name === GenAiEvents.EVALUATION_RESULT && e.attributes?.[GenAiAttributes.EVALUATION_NAME] === 'grounded_answer')) {
    fail('the answer step should carry the grounded_answer score');
  }
  checkRollup(set, task, fail);
  checkRollup(set, http, fail);
}

function checkChat(set: SpanSet, traceId: string, tokens: number, fail: Collector, text: string): void {
  const message = one(set.trace(traceId), 'websocket chat_message', fail);
  if (!message) return;
  if (message.kind !== SpanKind.SERVER) fail('the message span should be SERVER');
  const outbound = num(message, WebSocketAttributes.OUTBOUND_MESSAGES);
  if (outbound !== tokens + 1) fail(`websocket.outbound.messages is ${outbound}, the client got ${tokens} tokens + chat_done`);
  const calls = providerCalls(set, message);
  if (calls.length !== 1 || calls[0]!.attributes[GenAiAttributes.REQUEST_STREAM] !== true) fail('the chat should make one streamed LLM call');
  calls.forEach((call) => checkProviderCall(call, fail));
  // The streamed answer, assembled from its chunks, is what the client received.
  const output = calls[0] && str(calls[0], GenAiAttributes.OUTPUT_MESSAGES);
  if (output && (JSON.parse(output) as Array<{ parts: Array<{ content?: string }> }>)[0]?.parts[0]?.content !== text) fail('gen_ai.output.messages of the chat is not the text the client received');
  if (str(message, 'user.id') !== 'alice') fail(`user.id on the message span is ${str(message, 'user.id')}, expected alice`);
  checkRollup(set, message, fail);
}

function checkCancelledJob(set: SpanSet, runTraceId: string, cancelTraceId: string, fail: Collector): void {
  const spans = set.trace(runTraceId);
  const message = one(spans, 'websocket run_job', fail);
  const workflow = childNamed(set, message, 'invoke_workflow document-triage', fail);
  if (workflow && str(workflow, WorkflowAttributes.STATUS) !== 'cancelled') fail(`workflow.status is ${str(workflow, WorkflowAttributes.STATUS)}, expected cancelled`);
  if (workflow && isError(workflow)) fail('a cancelled workflow should not be an error');
  if (!spans.some((s) => s.name === 'websocket emit job_progress')) fail('no traced job_progress emit');
  if (!spans.some((s) => s.name === 'websocket emit job_cancelled')) fail('no traced job_cancelled emit');
  one(set.trace(cancelTraceId), 'websocket cancel_job', fail);
}

function checkFailedRun(set: SpanSet, traceId: string, fail: Collector): void {
  const spans = set.trace(traceId);
  const http = one(spans, 'POST /workflows/:workflowId/runs', fail);
  if (http && num(http, HttpAttributes.RESPONSE_STATUS_CODE) !== 502) fail(`HTTP status ${num(http, HttpAttributes.RESPONSE_STATUS_CODE)}, expected 502`);
  if (http && !isError(http)) fail('a 502 request span should be ERROR');
  const workflow = childNamed(set, http, 'invoke_workflow document-triage', fail);
  if (workflow && str(workflow, WorkflowAttributes.STATUS) !== 'error') fail(`workflow.status is ${str(workflow, WorkflowAttributes.STATUS)}, expected error`);
  const failedCall = providerCalls(set, workflow).find(isError);
  if (!failedCall) fail('no failed provider span');
  else if (str(failedCall, HttpAttributes.ERROR_TYPE) !== 'AnthropicApiError') fail(`error.type ${str(failedCall, HttpAttributes.ERROR_TYPE)}, expected AnthropicApiError`);
}

/** request (202) > send (PRODUCER) > process (CONSUMER, the worker) > the workflow and the finished event, for the enqueuing user. */
function checkQueuedRun(set: SpanSet, traceId: string, fail: Collector): void {
  const http = one(set.trace(traceId), 'POST /workflows/:workflowId/runs', fail);
  if (http && num(http, HttpAttributes.RESPONSE_STATUS_CODE) !== 202) fail(`HTTP status ${num(http, HttpAttributes.RESPONSE_STATUS_CODE)}, expected 202`);
  const send = childNamed(set, http, 'send workflow-runs', fail);
  if (send && send.kind !== SpanKind.PRODUCER) fail('the send span should be PRODUCER');
  const process = childNamed(set, send, 'process workflow-runs', fail);
  if (process && process.kind !== SpanKind.CONSUMER) fail('the process span should be CONSUMER');
  if (process && str(process, 'user.id') !== str(http!, 'user.id')) fail(`the worker's span is attributed to ${str(process, 'user.id')}, not to the enqueuing user`);
  const workflow = childNamed(set, process, 'invoke_workflow document-triage', fail);
  if (workflow && str(workflow, WorkflowAttributes.STATUS) !== 'completed') fail(`workflow.status is ${str(workflow, WorkflowAttributes.STATUS)}`);
  childNamed(set, process, 'event workflow.run.finished', fail);
  providerCalls(set, workflow).forEach((call) => checkProviderCall(call, fail));
  checkRollup(set, process, fail);
}
