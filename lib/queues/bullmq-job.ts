import { context, type Attributes } from '@opentelemetry/api';
import { reportOnce, safeExecute } from '../core/safe-execute.js';
import { BullMqAttributes, MessagingAttributes } from '../semconv.js';
import { bullMqSpanIn, type BullMqSpan } from './bullmq-span.js';

/** The fields of a BullMQ `Job` the spans read. */
interface JobLike {
  id?: unknown;
  delay?: unknown;
  timestamp?: unknown;
  processedOn?: unknown;
  attemptsMade?: unknown;
  opts?: { delay?: unknown };
}

/**
 * Job details on the span BullMQ's telemetry interface cannot give: BullMQ hands its tracer span names and ids,
 * not the job. The consumer span gets them when the worker hands the job to the processor (attempt, delay, queue
 * wait); a producer span when `add` returns the job (its id and delay).
 */
export function recordJobDetails(span: BullMqSpan, result: unknown): void {
  if (Array.isArray(result)) {
    span.addAttributes({ [MessagingAttributes.BATCH_MESSAGE_COUNT]: result.length });
    return;
  }
  // A flow node (`FlowProducer.add`) wraps its job.
  const job = isJob(result) ? result : isJob((result as { job?: unknown } | null)?.job) ? (result as { job: JobLike }).job : undefined;
  if (job) span.addAttributes(jobAttributes(job, span.type === 'process'));
}

function jobAttributes(job: JobLike, consumed: boolean): Attributes {
  const attributes: Attributes = {};
  if (typeof job.id === 'string' || typeof job.id === 'number') attributes[MessagingAttributes.MESSAGE_ID] = String(job.id);
  // The requested delay; `job.delay` is zeroed once a delayed job is promoted, or reused for retry backoffs.
  const delay = count(job.opts?.delay) ?? count(job.delay) ?? 0;
  if (delay > 0) attributes[BullMqAttributes.DELAY_MS] = delay;
  if (!consumed) return attributes;
  const attemptsMade = count(job.attemptsMade) ?? 0;
  attributes[BullMqAttributes.ATTEMPT] = attemptsMade + 1;
  const added = count(job.timestamp);
  const started = count(job.processedOn);
  // A retry waited on its backoff, not for a worker: queue wait is the first attempt's.
  if (attemptsMade === 0 && added !== undefined && started !== undefined) {
    attributes[BullMqAttributes.QUEUE_WAIT_MS] = Math.max(0, started - added - delay);
  }
  return attributes;
}

function isJob(value: unknown): value is JobLike {
  return typeof value === 'object' && value !== null && 'id' in value && 'opts' in value && 'timestamp' in value;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

const HOOKED = Symbol.for('ai_tracing:bullmq_worker_hook');
let hooking: Promise<void> | undefined;

/**
 * Makes every BullMQ `Worker` report the job it is about to process to the span it runs in, by wrapping
 * `Worker.prototype.callProcessJob` (the protected step between BullMQ's `process` span and your processor,
 * whatever its form: a function, a sandboxed file, a `WorkerHost`). Installed once, on the first
 * `BullMqTelemetry`; a worker without it runs the same code path, as the wrapper finds no span of ours.
 */
export function hookWorkers(): void {
  hooking ??= import('bullmq').then(
    (bullmq) => wrapCallProcessJob(bullmq.Worker?.prototype as unknown as Record<PropertyKey, unknown> | undefined),
    (error: unknown) => reportOnce('BullMQ job details (loading bullmq)', error),
  );
}

function wrapCallProcessJob(prototype: Record<PropertyKey, unknown> | undefined): void {
  const original = prototype?.callProcessJob;
  if (typeof original !== 'function') {
    reportOnce('BullMQ job details', new Error('this bullmq version has no Worker.callProcessJob; spans lack attempt, delay and queue wait'));
    return;
  }
  if ((original as { [HOOKED]?: boolean })[HOOKED]) return;
  const process = original as (this: unknown, job: unknown, ...rest: unknown[]) => unknown;
  const hooked = function (this: unknown, job: unknown, ...rest: unknown[]): unknown {
    const span = bullMqSpanIn(context.active());
    if (span) safeExecute('BullMQ job details', () => recordJobDetails(span, job));
    return process.call(this, job, ...rest);
  };
  Object.defineProperty(hooked, HOOKED, { value: true });
  prototype!.callProcessJob = hooked;
}
