import { getScope } from '../core/span-scope.js';
import { GenAiAttributes, GenAiOperations } from '../semconv.js';
import { commonAttributes, putAttribute, resolveValue, type CommonTraceOptions, type ValueOrExtractor } from './decorator-options.js';
import { traceMethod } from './trace-method.js';

/** Options of `@TraceTool`. */
export interface TraceToolOptions extends CommonTraceOptions {
  /** Tool name (`gen_ai.tool.name`). @default the method name */
  name?: string;
  /** Tool call id from the model (`gen_ai.tool.call.id`), from the arguments. */
  callId?: ValueOrExtractor<string>;
}

/**
 * Traces a tool an agent calls: span `execute_tool {name}` (INTERNAL), `gen_ai.operation.name`=execute_tool.
 * @example
 * @TraceTool({ name: 'calculator' })
 * evaluate(expression: string): number { ... }
 */
export function TraceTool(options: TraceToolOptions = {}): MethodDecorator {
  return traceMethod(({ methodName }) => {
    const name = options.name ?? methodName;
    const owner = `@TraceTool(${name})`;
    const spanName = `${GenAiOperations.EXECUTE_TOOL} ${name}`;
    return (args, _self, active) => {
      const attributes = commonAttributes(options, args, owner);
      attributes[GenAiAttributes.OPERATION_NAME] = GenAiOperations.EXECUTE_TOOL;
      putAttribute(attributes, GenAiAttributes.TOOL_NAME, name);
      putAttribute(attributes, GenAiAttributes.TOOL_CALL_ID, resolveValue(options.callId, args, owner, 'callId extractor'));
      putAttribute(attributes, GenAiAttributes.AGENT_NAME, getScope(active)?.closest('agent_task')?.agentName);
      return {
        name: spanName,
        role: 'tool',
        attributes,
        captureContent: options.captureContent,
        input: args,
        entityName: name,
      };
    };
  });
}
