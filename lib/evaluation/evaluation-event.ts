import type { Attributes } from '@opentelemetry/api';
import { getRuntime } from '../core/runtime.js';
import { safeExecute } from '../core/safe-execute.js';
import type { SpanScope } from '../core/span-scope.js';
import { GenAiAttributes, GenAiEvents, HttpAttributes } from '../semconv.js';
import type { EvaluationResult } from './evaluation.types.js';

/**
 * Adds one `gen_ai.evaluation.result` event (GenAI semantic conventions, `model/gen-ai/events.yaml`) to the
 * span of `scope`: `gen_ai.evaluation.name`, `.score.value`, `.score.label`, `.explanation`, and
 * `gen_ai.response.id` on a provider span whose response id is known; `error.type` when the evaluation failed.
 * Returns false (and records nothing) for a result without a name, or with neither a value nor a label.
 */
export function addEvaluationEvent(scope: SpanScope, result: EvaluationResult, failure?: string): boolean {
  const name = typeof result?.name === 'string' ? result.name.trim() : '';
  if (name === '') return false;
  const attributes: Attributes = { [GenAiAttributes.EVALUATION_NAME]: name };
  if (failure !== undefined) attributes[HttpAttributes.ERROR_TYPE] = failure;
  else {
    const value = result.value;
    const label = result.label;
    const hasValue = typeof value === 'number' && Number.isFinite(value);
    const hasLabel = typeof label === 'string' && label !== '';
    if (!hasValue && !hasLabel) return false;
    if (hasValue) attributes[GenAiAttributes.EVALUATION_SCORE_VALUE] = value;
    if (hasLabel) attributes[GenAiAttributes.EVALUATION_SCORE_LABEL] = label;
    if (typeof result.explanation === 'string' && result.explanation !== '') {
      const max = getRuntime().maxContentLength;
      attributes[GenAiAttributes.EVALUATION_EXPLANATION] = result.explanation.length > max ? `${result.explanation.slice(0, max)}...[truncated]` : result.explanation;
    }
  }
  const responseId = scope.closest('provider')?.call?.responseId;
  if (responseId) attributes[GenAiAttributes.RESPONSE_ID] = responseId;
  return safeExecute('evaluation result event', () => (scope.span.addEvent(GenAiEvents.EVALUATION_RESULT, attributes), true)) ?? false;
}
