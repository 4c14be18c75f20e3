import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { WORKFLOW_RUNS_QUEUE } from './queued-runs.types.js';

/** Whether Redis answers a PING within `timeoutMs`; the reason when it does not. One attempt, no retries. */
export async function probeRedis(url: string, timeoutMs = 1500): Promise<{ reachable: true } | { reachable: false; reason: string }> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // The socket error (ECONNREFUSED, ENOTFOUND...) says more than the "Connection is closed" connect() rejects with.
  let socketError: Error | undefined;
  redis.on('error', (error: Error) => (socketError ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return { reachable: true };
  } catch (error) {
    const reason = socketError?.message ?? (error instanceof Error ? error.message : String(error));
    return { reachable: false, reason: reason.replace(/\.+$/, '') };
  } finally {
    redis.disconnect();
  }
}

/**
 * Deletes the workflow-runs queue under `prefix` (jobs, events, worker bookkeeping) when Redis answers: for runs
 * that use a throwaway prefix (the demo, tests) and must leave a shared Redis as they found it.
 */
export async function discardQueuedRuns(url: string, prefix: string): Promise<void> {
  if (!(await probeRedis(url)).reachable) return;
  const queue = new Queue(WORKFLOW_RUNS_QUEUE, { connection: { url }, prefix });
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
}
