import type { WorkflowJobView } from '../workflows/workflow-job.js';
import { getJson, newTrace, postJson } from './demo-client.js';

/** A workflow run queued on BullMQ over HTTP, and its outcome read back by job id. */
export interface DemoQueuedRun {
  user: string;
  documentId: string;
  traceId: string;
  /** Status of the `?mode=queued` request (202). */
  status: number;
  job: WorkflowJobView;
}

/** The queued run, or why it was skipped (the app answered 503: Redis was not reachable at startup). */
export type QueuedRunOutcome = { ran: DemoQueuedRun } | { skipped: string };

const POLL_MS = 50;
const DEADLINE_MS = 15_000;

/**
 * `POST /workflows/document-triage/runs?mode=queued` as alice, then `GET /workflows/runs/:jobId` until a worker
 * finished it. The run happens in a BullMQ worker, yet lands in alice's trace with alice's cost.
 */
export async function runQueuedWorkflow(baseUrl: string, log: (line: string) => void): Promise<QueuedRunOutcome> {
  const user = 'alice';
  const documentId = 'refund-policy';
  const trace = newTrace();
  const accepted = await postJson<WorkflowJobView & { message?: string }>(`${baseUrl}/workflows/document-triage/runs?mode=queued`, { documentId }, user, trace);
  if (accepted.status === 503) return { skipped: accepted.body.message ?? 'the app answered 503' };
  if (accepted.status !== 202) throw new Error(`queued run: expected 202, got ${accepted.status} ${JSON.stringify(accepted.body)}`);
  const { jobId } = accepted.body;
  const deadline = Date.now() + DEADLINE_MS;
  let job = accepted.body;
  while (job.status === 'queued' || job.status === 'running') {
    if (Date.now() > deadline) throw new Error(`queued run ${jobId} still ${job.status} after ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    job = (await getJson<WorkflowJobView>(`${baseUrl}/workflows/runs/${jobId}`, user)).body;
  }
  log(`  ${user} POST /workflows/document-triage/runs?mode=queued ${documentId} -> ${accepted.status}, job ${jobId.slice(0, 8)} ${job.status} in a BullMQ worker`);
  return { ran: { user, documentId, traceId: trace.traceId, status: accepted.status, job } };
}
