import { Logger } from '@nestjs/common';
import { describeThrown } from './thrown-value.js';

const logger = new Logger('AiTracing');
const reported = new Set<string>();

/**
 * Runs a user callback or a piece of telemetry bookkeeping so that it can never break the host call:
 * a throw is reported once per `label` and `undefined` is returned instead.
 */
export function safeExecute<T>(label: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    reportOnce(label, error);
    return undefined;
  }
}

/** Logs a telemetry problem once per `label` (bounded: a label is a code location, not a value). */
export function reportOnce(label: string, error: unknown): void {
  if (reported.has(label)) return;
  if (reported.size < 1000) reported.add(label);
  // A hostile thrown value (a Proxy whose traps throw) must not escape the one place meant to contain it.
  const detail = describeThrown(error).message;
  logger.warn(`${label} failed and was skipped (tracing only; your call is unaffected): ${detail}`);
}
