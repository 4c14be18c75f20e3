import { Injectable } from '@nestjs/common';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { TraceTool } from 'nestjs-ai-tracing';
import { evaluateArithmetic } from './arithmetic.js';

/** Arguments of one calculator call; `callId` is the model's tool call id. */
export interface CalculatorCall {
  expression: string;
  callId?: string;
}

/** Arithmetic for the agent: models are bad at it, tools are not. */
@Injectable()
export class CalculatorTool {
  readonly definition: ChatCompletionFunctionTool = {
    type: 'function',
    function: {
      name: 'calculator',
      description: 'Evaluates an arithmetic expression with + - * / and parentheses.',
      parameters: {
        type: 'object',
        properties: { expression: { type: 'string', description: 'The math expression, e.g. "12 * 49 * 10"' } },
        required: ['expression'],
        additionalProperties: false,
      },
    },
  };

  @TraceTool({ name: 'calculator', callId: (call: CalculatorCall) => call.callId })
  evaluate(call: CalculatorCall): number {
    return evaluateArithmetic(call.expression);
  }
}
