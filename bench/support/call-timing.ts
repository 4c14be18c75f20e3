import { yieldToLoop } from './stats.js';

const CHUNK = 250;

/**
 * Awaits `op` `ops` times; times only the calls (yields to the event loop between chunks, untimed). Returns
 * ns per op of process CPU (user + system: what other load on a shared machine disturbs least, as time the
 * process is preempted does not count) and of wall time.
 */
export async function measureCalls(op: () => Promise<unknown>, ops: number): Promise<{ cpu: number; wall: number }> {
  let elapsed = 0n;
  let cpuMicros = 0;
  for (let done = 0; done < ops; ) {
    const n = Math.min(CHUNK, ops - done);
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await op();
    elapsed += process.hrtime.bigint() - t0;
    const c = process.cpuUsage(c0);
    cpuMicros += c.user + c.system;
    done += n;
    await yieldToLoop();
  }
  return { cpu: (cpuMicros * 1000) / ops, wall: Number(elapsed) / ops };
}
