import { getScope } from '../core/span-scope.js';
import { GenAiAttributes, GenAiOperations, WorkflowAttributes } from '../semconv.js';
import { asId, commonAttributes, putAttribute, resolveValue, tagsOf, type CommonTraceOptions, type ValueOrExtractor } from './decorator-options.js';
import { traceMethod } from './trace-method.js';

/** Options of `@TraceAgentTask`. */
export interface TraceAgentTaskOptions extends CommonTraceOptions {
  /** Agent name (`gen_ai.agent.name`). @default the class name */
  agent?: string;
  /** Task id (`agent.task.id`), fixed or from the arguments; inherited by the steps inside. */
  taskId?: ValueOrExtractor<string | number>;
  /** Tags of the run (`tag.tags`, and the trace's tags in Langfuse), fixed or from the arguments. */
  tags?: ValueOrExtractor<string[]>;
}

/** Phases of an agent run. */
export type AgentStepPhase = 'planning' | 'task' | 'step';

/** Options of `@TraceAgentStep`. */
export interface TraceAgentStepOptions extends CommonTraceOptions {
  /** Which phase of the agent this method is. */
  phase: AgentStepPhase;
  /** Task id (`agent.task.id`). @default the enclosing agent task's id */
  taskId?: ValueOrExtractor<string | number>;
  /** Step id (`agent.step.id`), fixed or from the arguments. */
  stepId?: ValueOrExtractor<string | number>;
}

/**
 * Traces one agent task run: span `invoke_agent {agent}` (INTERNAL), `gen_ai.operation.name`=invoke_agent,
 * `gen_ai.agent.name`, `agent.task.id`, and the rolled-up cost of every LLM call the agent made.
 * @example
 * @TraceAgentTask({ agent: 'researcher', taskId: (task: Task) => task.id })
 * async run(task: Task) { ... }
 */
export function TraceAgentTask(options: TraceAgentTaskOptions = {}): MethodDecorator {
  return traceMethod(({ className }) => {
    const agent = options.agent ?? className;
    const owner = `@TraceAgentTask(${agent})`;
    const name = `${GenAiOperations.INVOKE_AGENT} ${agent}`;
    return (args) => {
      const taskId = asId(resolveValue(options.taskId, args, owner, 'taskId extractor'));
      const attributes = commonAttributes(options, args, owner);
      attributes[GenAiAttributes.OPERATION_NAME] = GenAiOperations.INVOKE_AGENT;
      putAttribute(attributes, GenAiAttributes.AGENT_NAME, agent);
      putAttribute(attributes, WorkflowAttributes.AGENT_TASK_ID, taskId);
      return {
        name,
        role: 'agent_task',
        attributes,
        captureContent: options.captureContent,
        input: args,
        entityName: agent,
        tags: tagsOf(resolveValue(options.tags, args, owner, 'tags extractor')),
        onStart: (scope) => {
          scope.agentName = agent;
          scope.taskId = taskId;
        },
      };
    };
  });
}

/**
 * Traces a phase of an agent: span `agent {phase}` (INTERNAL) with `agent.step.phase`, `agent.task.id`
 * (inherited from the enclosing task) and `agent.step.id`.
 * @example
 * @TraceAgentStep({ phase: 'planning' })
 * async plan(goal: string) { ... }
 */
export function TraceAgentStep(options: TraceAgentStepOptions): MethodDecorator {
  return traceMethod(({ className, methodName }) => {
    const label = `@TraceAgentStep(${className}.${methodName})`;
    const stepName = `agent ${options.phase}`;
    return (args, _self, active) => {
      const task = getScope(active)?.closest('agent_task');
      const attributes = commonAttributes(options, args, label);
      putAttribute(attributes, WorkflowAttributes.AGENT_STEP_PHASE, options.phase);
      putAttribute(attributes, WorkflowAttributes.AGENT_TASK_ID, asId(resolveValue(options.taskId, args, label, 'taskId extractor')) ?? task?.taskId);
      putAttribute(attributes, WorkflowAttributes.AGENT_STEP_ID, asId(resolveValue(options.stepId, args, label, 'stepId extractor')));
      putAttribute(attributes, GenAiAttributes.AGENT_NAME, task?.agentName);
      return {
        name: stepName,
        role: 'agent_step',
        attributes,
        captureContent: options.captureContent,
        input: args,
        entityName: options.phase,
      };
    };
  });
}
