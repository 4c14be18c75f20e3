import { context } from '@opentelemetry/api';
import { getAttribution } from '../core/span-scope.js';
import { GenAiAttributes, WorkflowAttributes } from '../semconv.js';
import { asId, resolveValue, withCommonAttributes, type CommonTraceOptions, type ValueOrExtractor } from './decorator-options.js';
import { traceMethod } from './trace-method.js';

/** Options of `@TraceNode`. */
export interface TraceNodeOptions extends CommonTraceOptions {
  /** Node id in the graph (`workflow.node.id`), fixed or from the arguments. */
  nodeId?: ValueOrExtractor<string | number>;
  /** Node type (`workflow.node.type`), low-cardinality; names the span. @default 'Class.method' */
  nodeType?: ValueOrExtractor<string>;
}

/**
 * Traces one node of a workflow graph: span `node {nodeType}` (INTERNAL) with `workflow.node.id`,
 * `workflow.node.type`, the enclosing workflow's name, and the cost of the provider calls under it.
 * @example
 * @TraceNode({ nodeType: 'summarize', nodeId: (input: NodeInput) => input.nodeId })
 * async summarize(input: NodeInput) { ... }
 */
export function TraceNode(options: TraceNodeOptions = {}): MethodDecorator {
  return traceMethod(({ className, methodName }) => {
    const fallbackType = `${className}.${methodName}`;
    const owner = `@TraceNode(${fallbackType})`;
    const staticName = typeof options.nodeType === 'function' ? undefined : `node ${options.nodeType ?? fallbackType}`;
    return (args) => {
      const nodeType = resolveValue(options.nodeType, args, owner, 'nodeType extractor') ?? fallbackType;
      const nodeId = asId(resolveValue(options.nodeId, args, owner, 'nodeId extractor'));
      return {
        name: staticName ?? `node ${nodeType}`,
        role: 'node',
        attributes: withCommonAttributes(options, args, {
          [WorkflowAttributes.NODE_TYPE]: nodeType,
          [WorkflowAttributes.NODE_ID]: nodeId,
          [GenAiAttributes.WORKFLOW_NAME]: getAttribution(context.active()).workflowName,
        }, owner),
        captureContent: options.captureContent,
        input: args,
        entityName: nodeType,
      };
    };
  });
}
