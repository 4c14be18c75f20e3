/**
 * Runs one task at a time: a task queued while another runs starts once it is done. Retention uses it so a prune
 * asked for during a prune runs again afterwards instead of overlapping it.
 */
export class SerialRuns {
  private last: Promise<number> | undefined;

  /** Whether a task is running or waiting. */
  get busy(): boolean {
    return this.last !== undefined;
  }

  /** Queues `task` after the current one; resolves with its result. */
  queue(task: () => Promise<number>): Promise<number> {
    const run = (this.last ?? Promise.resolve(0)).then(task);
    this.last = run;
    void run.finally(() => {
      if (this.last === run) this.last = undefined;
    });
    return run;
  }

  /** Resolves once the queued tasks are done. */
  async settled(): Promise<void> {
    await this.last;
  }
}
