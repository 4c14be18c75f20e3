import { getAttribution } from '../core/span-scope.js';
import { GenAiAttributes, WorkflowAttributes } from '../semconv.js';
import { asId, commonAttributes, putAttribute, resolveValue, type CommonTraceOptions, type ValueOrExtractor } from './decorator-options.js';
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
    return (args, _self, active) => {
      const nodeType = resolveValue(options.nodeType, args, owner, 'nodeType extractor') ?? fallbackType;
      const attributes = commonAttributes(options, args, owner);
      putAttribute(attributes, WorkflowAttributes.NODE_TYPE, nodeType);
      putAttribute(attributes, WorkflowAttributes.NODE_ID, asId(resolveValue(options.nodeId, args, owner, 'nodeId extractor')));
      putAttribute(attributes, GenAiAttributes.WORKFLOW_NAME, getAttribution(active).workflowName);
      return {
        name: staticName ?? `node ${nodeType}`,
        role: 'node',
        attributes,
        captureContent: options.captureContent,
        input: args,
        entityName: nodeType,
      };
    };
  });
}
