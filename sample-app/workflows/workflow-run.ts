/** Progress of a running job, as a node finishes. */
export interface WorkflowProgress {
  node: string;
  status: 'completed';
}

/** One run of a workflow, handed to its definition. */
export interface WorkflowRun<Input> {
  jobId: string;
  workflowId: string;
  input: Input;
  /** Aborted when the job is cancelled; pass it to every provider call. */
  signal: AbortSignal;
  /** Reports a finished node (forwarded to WebSocket clients watching the job). */
  progress(event: WorkflowProgress): void;
}

/** A workflow the API can run by id. */
export interface WorkflowDefinition<Input = unknown, Output = unknown> {
  readonly id: string;
  readonly description: string;
  run(run: WorkflowRun<Input>): Promise<Output>;
}

/** Injection token of the list of `WorkflowDefinition`s. */
export const WORKFLOW_DEFINITIONS = Symbol('sample:workflow_definitions');
