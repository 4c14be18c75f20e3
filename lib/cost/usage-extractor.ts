// PLACEHOLDER written by the lead so the tree compiles: the cost helper (issue 4) owns and replaces this file.
import type { TokenUsage } from '../core/span-scope.js';

export function usageFromResult(_result: unknown): { usage?: TokenUsage; responseModel?: string } {
  return {};
}

export function usageFromChunk(_chunk: unknown, _previous: TokenUsage | undefined): { usage?: TokenUsage; responseModel?: string } {
  return {};
}
