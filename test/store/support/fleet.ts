import { spawn, type ChildProcess } from 'node:child_process';
import { within } from '../../support/waits.js';

const REPLICA = new URL('../fixtures/fleet-replica.js', import.meta.url);

/** A replica process of `fleet-replica.ts`. */
export interface Replica {
  instanceId: string;
  url: string;
  /** What it wrote to stdout and stderr so far (log lines, warnings, unhandled errors). */
  output(): string;
  /** SIGTERM, then waits for it to exit; resolves with its exit code. */
  stop(): Promise<number | null>;
}

/** Starts a replica writing to `storeUrl` as `instanceId`, and waits until it listens. */
export async function startReplica(instanceId: string, storeUrl: string, env: Record<string, string> = {}): Promise<Replica> {
  const child: ChildProcess = spawn(process.execPath, [REPLICA.pathname], {
    env: { ...process.env, ...env, STORE_URL: storeUrl, INSTANCE_ID: instanceId, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await within(
    new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const ready = /READY (\S+)/.exec(out);
        if (ready) resolve(ready[1]!);
      });
      void exited.then((code) => reject(new Error(`replica ${instanceId} exited (${code}) before listening: ${err}`)));
    }),
    `replica ${instanceId} to listen`,
    30_000,
    () => err,
  );
  return {
    instanceId,
    url,
    output: () => `${out}${err}`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return within(exited, `replica ${instanceId} to exit`, 15_000);
    },
  };
}
