import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** Which cores the app under test and the load generator (runner, sinks) are pinned to, when they can be. */
export interface Pinning {
  app: string;
  load: string;
  /** Every core: what the runner gets back afterwards. */
  all: string;
}

/**
 * Keeps the app under test and the load generator off each other's core: with two or more cores and `taskset`
 * (util-linux) present, the app gets core 0 and the load generator the rest. Undefined otherwise (then nothing
 * is pinned and the table says so).
 */
export function pinningPlan(): Pinning | undefined {
  const cores = os.cpus().length;
  if (cores < 2 || os.platform() !== 'linux') return undefined;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { app: '0', load: cores === 2 ? '1' : `1-${cores - 1}`, all: `0-${cores - 1}` };
}

/** Pins every thread of process `pid` to `cores` (a taskset list: `0`, `1-3`); false when that failed. */
export function pin(pid: number | undefined, cores: string): boolean {
  if (pid === undefined) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
