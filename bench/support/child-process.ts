import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A message between the bench runner and a child: `type` plus whatever the step carries. */
export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

/** Options of a child process: Node flags (`--expose-gc`, `--import` a preload) and extra environment. */
export interface ChildOptions {
  execArgv?: string[];
  env?: Record<string, string>;
}

/**
 * A forked bench child. Each suite runs in its own process so global OpenTelemetry state (tracer provider,
 * context manager, instrumentation patches) never leaks from one contender set into another.
 */
export class ChildHandle {
  private readonly inbox: ChildMessage[] = [];
  private waiting: { type: string; settle: (m: ChildMessage | Error) => void } | undefined;
  private failure: Error | undefined;
  readonly exited: Promise<number | null>;

  constructor(private readonly child: ChildProcess, private readonly label: string) {
    child.on('message', (raw: unknown) => {
      const message = raw as ChildMessage;
      if (message.type === 'error') this.fail(new Error(`bench child ${label} failed: ${String(message.message)}`));
      else if (this.waiting?.type === message.type) this.deliver(message);
      else this.inbox.push(message);
    });
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.fail(new Error(`bench child ${label} exited (code ${code}, signal ${signal})`));
        resolve(code);
      });
    });
  }

  /** The child's process id (for CPU pinning). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The next message of `type` (queued ones first); rejects when the child reports an error or exits. */
  next(type: string, timeoutMs = 600_000): Promise<ChildMessage> {
    const index = this.inbox.findIndex((m) => m.type === type);
    if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0]!);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.deliver(new Error(`bench child ${this.label}: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
      this.waiting = {
        type,
        settle: (m) => {
          clearTimeout(timer);
          if (m instanceof Error) reject(m);
          else resolve(m);
        },
      };
    });
  }

  /** Sends `message` and waits for the reply of type `reply`. */
  ask(message: ChildMessage, reply: string, timeoutMs?: number): Promise<ChildMessage> {
    this.send(message);
    return this.next(reply, timeoutMs);
  }

  send(message: ChildMessage): void {
    if (this.child.connected) this.child.send(message);
  }

  /** Asks the child to exit; kills it if it does not within `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.send({ type: 'exit' });
    await this.exited;
    clearTimeout(timer);
  }

  private deliver(message: ChildMessage | Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.settle(message);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.deliver(this.failure);
  }
}

/** Forks `module` (a compiled bench file, given relative to the caller's `import.meta.url`) with `input`. */
export function startChild(module: URL, input: unknown, options: ChildOptions = {}, label = fileURLToPath(module)): ChildHandle {
  const child = fork(fileURLToPath(module), [JSON.stringify(input)], {
    execArgv: options.execArgv ?? [],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new ChildHandle(child, label);
}

/** Runs a one-shot worker to completion and returns its `result` message payload. */
export async function runWorker<T>(module: URL, input: unknown, options: ChildOptions = {}): Promise<T> {
  const handle = startChild(module, input, options);
  try {
    const message = await handle.next('result');
    return message.result as T;
  } finally {
    await handle.stop();
  }
}

/** Child side: the JSON input the runner passed. A bench child never outlives its runner. */
export function childInput<T>(): T {
  process.once('disconnect', () => process.exit(0));
  const raw = process.argv[2];
  return (raw ? JSON.parse(raw) : {}) as T;
}

/** Child side: sends a message to the runner. */
export function sendToParent(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(new Error('bench child started without an IPC channel (run it through bench/run.js)'));
      return;
    }
    process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Child side: runs `main`, sends its result (or the error), then exits when the runner says so. A bench child
 * must never hang the runner: any failure is reported and the process exits non-zero.
 */
export function runAsChild<T>(main: () => Promise<T>): void {
  process.on('message', (raw: unknown) => {
    if ((raw as ChildMessage).type === 'exit') process.exit(0);
  });
  main().then(
    (result) => sendToParent({ type: 'result', result }),
    async (error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(message);
      await sendToParent({ type: 'error', message }).catch(() => undefined);
      process.exit(1);
    },
  );
}
