/** One agent task. */
export interface AgentTask {
  id: string;
  goal: string;
}

/** A tool call the planner decided on. */
export interface PlannedStep {
  callId: string;
  tool: string;
  arguments: Record<string, unknown>;
}

/** What one step found out. */
export interface StepFinding {
  step: number;
  tool: string;
  input: string;
  output: string;
}

/** Result of `POST /agents/tasks`. */
export interface AgentTaskResult {
  taskId: string;
  goal: string;
  plan: Array<{ tool: string; arguments: Record<string, unknown> }>;
  findings: StepFinding[];
  answer: string;
  traceId: string | null;
}
