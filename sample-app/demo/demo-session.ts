import type { AgentTaskResult } from '../agents/agent-task.types.js';
import type { WorkflowJobView } from '../workflows/workflow-job.js';
import { connectAssistant, getJson, newTrace, nextEvent, postJson } from './demo-client.js';
import { runQueuedWorkflow, type QueuedRunOutcome } from './queued-run.js';

/** A workflow run started over HTTP. */
export interface DemoWorkflowRun {
  user: string;
  documentId: string;
  traceId: string;
  status: number;
  job: WorkflowJobView;
}

/** What the scripted session did, with the trace id of every call, for the checks and the summary. */
export interface DemoSession {
  workflowRuns: DemoWorkflowRun[];
  agentTask: { user: string; traceId: string; status: number; result: AgentTaskResult };
  chat: { user: string; traceId: string; tokens: number; text: string };
  cancelledJob: { user: string; jobId: string; runTraceId: string; cancelTraceId: string; cancelled: boolean };
  failedRun: { user: string; traceId: string; status: number; message: string };
  statusCheck: { jobId: string; status: number; job: WorkflowJobView };
  queuedRun: QueuedRunOutcome;
}

export const AGENT_GOAL =
  'A customer wants 12 seats on the Team plan billed annually: what is 12 * 49 * 10 in dollars per year, ' +
  'and can they still get a refund on an annual plan after 30 days?';

/**
 * Drives the sample like two users would, over real HTTP and socket.io: three workflow runs (two of them at
 * once), an agent task, a streamed chat, a job cancelled while it runs, a run that fails upstream, and a run
 * queued on BullMQ (skipped, in one line, when the app has no Redis).
 */
export async function runDemoSession(baseUrl: string, log: (line: string) => void = () => undefined): Promise<DemoSession> {
  const runWorkflow = async (user: string, documentId: string, extra: Record<string, unknown> = {}) => {
    const trace = newTrace();
    const answer = await postJson<WorkflowJobView>(`${baseUrl}/workflows/document-triage/runs`, { documentId, ...extra }, user, trace);
    log(`  ${user.padEnd(5)} POST /workflows/document-triage/runs ${documentId.padEnd(26)} -> ${answer.status} ${answer.body.status ?? ''}`);
    return { user, documentId, traceId: trace.traceId, status: answer.status, job: answer.body };
  };

  log('HTTP: workflow runs');
  const workflowRuns: DemoWorkflowRun[] = [await runWorkflow('alice', 'ticket-4711')];
  workflowRuns.push(...(await Promise.all([runWorkflow('bob', 'incident-payment-webhooks'), runWorkflow('alice', 'refund-policy')])));

  log('HTTP: agent task');
  const agentTrace = newTrace();
  const agent = await postJson<AgentTaskResult>(`${baseUrl}/agents/tasks`, { goal: AGENT_GOAL }, 'bob', agentTrace);
  log(`  bob   POST /agents/tasks -> ${agent.status}, ${agent.body.plan?.length ?? 0} planned tool calls`);

  log('WebSocket: streamed chat, and a job cancelled while it runs');
  const [alice, bob] = await Promise.all([connectAssistant(baseUrl, 'alice'), connectAssistant(baseUrl, 'bob')]);
  try {
    const chatTrace = newTrace();
    let tokens = 0;
    const onToken = () => (tokens += 1);
    alice.on('chat_token', onToken);
    const done = nextEvent<{ text: string }>(alice, 'chat_done');
    alice.emit('chat_message', { threadId: 'thread-1', text: 'How do I get my money back for a duplicate charge?', traceparent: chatTrace.traceparent });
    const chatText = (await done).text;
    alice.off('chat_token', onToken);
    log(`  alice chat_message -> ${tokens} chat_token events, then chat_done`);

    const runTrace = newTrace();
    // Progress can arrive before the ack: listen first. Cancel once the job is visibly under way (the
    // document is fetched, the two LLM nodes are running).
    const fetched = nextEvent<{ jobId: string; node: string }>(bob, 'job_progress', (p) => p.node === 'fetch');
    const accepted = await bob.emitWithAck('run_job', {
      workflowId: 'document-triage',
      input: { documentId: 'pricing-plans', summaryLength: 'detailed' },
      traceparent: runTrace.traceparent,
    }) as { jobId: string };
    const jobId = accepted.jobId;
    if ((await fetched).jobId !== jobId) throw new Error('job_progress for another job');
    const cancelledEvent = nextEvent<{ jobId: string }>(bob, 'job_cancelled', (e) => e.jobId === jobId);
    const cancelTrace = newTrace();
    const ack = await bob.emitWithAck('cancel_job', { jobId, traceparent: cancelTrace.traceparent }) as { cancelled: boolean };
    await cancelledEvent;
    log(`  bob   run_job -> job ${jobId.slice(0, 8)}, cancel_job -> cancelled=${ack.cancelled}, job_cancelled received`);

    log('HTTP: a run whose LLM provider fails');
    const failTrace = newTrace();
    const failed = await postJson<{ message: string }>(
      `${baseUrl}/workflows/document-triage/runs`,
      { documentId: 'onboarding-guide', summaryModel: 'claude-opus-9' },
      'alice',
      failTrace,
    );
    log(`  alice POST /workflows/document-triage/runs onboarding-guide (summaryModel claude-opus-9) -> ${failed.status}`);

    log('HTTP + BullMQ: a queued run');
    const queuedRun = await runQueuedWorkflow(baseUrl, log);
    if ('skipped' in queuedRun) log(`  skipped the queued run: ${queuedRun.skipped}`);

    const first = workflowRuns[0]!.job.jobId;
    const status = await getJson<WorkflowJobView>(`${baseUrl}/workflows/runs/${first}`, 'alice');
    const cost = status.body.cost ? `, cost $${status.body.cost.totalUsd.toFixed(6)} (read back from the trace store)` : '';
    log(`  alice GET /workflows/runs/${first.slice(0, 8)}… -> ${status.status} ${status.body.status}${cost}`);

    return {
      workflowRuns,
      agentTask: { user: 'bob', traceId: agentTrace.traceId, status: agent.status, result: agent.body },
      chat: { user: 'alice', traceId: chatTrace.traceId, tokens, text: chatText },
      cancelledJob: { user: 'bob', jobId, runTraceId: runTrace.traceId, cancelTraceId: cancelTrace.traceId, cancelled: ack.cancelled },
      failedRun: { user: 'alice', traceId: failTrace.traceId, status: failed.status, message: failed.body.message },
      statusCheck: { jobId: first, status: status.status, job: status.body },
      queuedRun,
    };
  } finally {
    alice.disconnect();
    bob.disconnect();
  }
}
