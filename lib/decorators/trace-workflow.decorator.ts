import { GenAiAttributes, GenAiOperations, WorkflowAttributes } from '../semconv.js';
import { getRuntime } from '../core/runtime.js';
import { reportOnce } from '../core/safe-execute.js';
import type { SpanOutcome } from '../core/span-engine.js';
import type { SpanScope } from '../core/span-scope.js';
import { asId, commonAttributes, putAttribute, resolveValue, tagsOf, type CommonTraceOptions, type ValueOrExtractor } from './decorator-options.js';
import { traceMethod } from './trace-method.js';

/** Options of `@TraceWorkflow`. */
export interface TraceWorkflowOptions extends CommonTraceOptions {
  /** Workflow name (`gen_ai.workflow.name`). @default 'Class.method' */
  name?: string;
  /** Workflow id (`workflow.id`), fixed or from the arguments. Inherited by every span inside. */
  workflowId?: ValueOrExtractor<string | number>;
  /** Job/run id (`workflow.job_id`), from the arguments. Inherited by every span inside. */
  jobId?: ValueOrExtractor<string | number>;
  /** Tags of the run (`tag.tags`, and the trace's tags in Langfuse), fixed or from the arguments. */
  tags?: ValueOrExtractor<string[]>;
}

const STATUS: Record<SpanOutcome, string> = { ok: 'completed', error: 'error', cancelled: 'cancelled' };

/**
 * Traces a workflow run: span `invoke_workflow {name}` (INTERNAL) with `workflow.status` completed/error/
 * cancelled, the run's rolled-up cost, and workflow id/job id carried by every span inside it.
 * @example
 * @TraceWorkflow({ name: 'summarize', jobId: (req: RunRequest) => req.jobId })
 * async run(req: RunRequest) { ... }
 */
export function TraceWorkflow(options: TraceWorkflowOptions = {}): MethodDecorator {
  return traceMethod(({ className, methodName }) => {
    const name = options.name ?? `${className}.${methodName}`;
    const spanName = `${GenAiOperations.INVOKE_WORKFLOW} ${name}`;
    const owner = `@TraceWorkflow(${name})`;
    const onEnd = (scope: SpanScope, outcome: SpanOutcome) => {
      scope.span.setAttribute(WorkflowAttributes.STATUS, STATUS[outcome]);
      // Only completed runs say what a run costs: a cancelled or failed one would drag the forecast down.
      const recorder = getRuntime().recorder;
      if (outcome !== 'ok' || !recorder?.recordWorkflowRun) return;
      // try/catch rather than `safeExecute`: no closure on every run.
      try {
        recorder.recordWorkflowRun(name, scope);
      } catch (error) {
        reportOnce('workflow run recording', error);
      }
    };
    return (args) => {
      const workflowId = asId(resolveValue(options.workflowId, args, owner, 'workflowId extractor'));
      const jobId = asId(resolveValue(options.jobId, args, owner, 'jobId extractor'));
      const attributes = commonAttributes(options, args, owner);
      attributes[GenAiAttributes.OPERATION_NAME] = GenAiOperations.INVOKE_WORKFLOW;
      putAttribute(attributes, GenAiAttributes.WORKFLOW_NAME, name);
      return {
        name: spanName,
        role: 'workflow',
        attribution: {
          workflowName: name,
          workflowId,
          jobId,
        },
        attributes,
        captureContent: options.captureContent,
        input: args,
        entityName: name,
        tags: tagsOf(resolveValue(options.tags, args, owner, 'tags extractor')),
        onEnd,
      };
    };
  });
}
