import { context, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { types } from 'node:util';
import { getRuntime } from '../core/runtime.js';
import { safeExecute } from '../core/safe-execute.js';
import { extractContext, injectContext } from '../propagation/context-carrier.js';
import { hookWorkers, recordJobDetails } from './bullmq-job.js';
import { bullMqSpanIn, startBullMqSpan, type BullMqSpanLike } from './bullmq-span.js';

/** Largest job telemetry metadata read; a bigger one is not a carrier this library wrote and is ignored. */
const MAX_METADATA_LENGTH = 8192;

/** BullMQ's `Tracer` as the library implements it. */
export interface BullMqTracer {
  startSpan(name: string, options?: { kind: number }, context?: Context): BullMqSpanLike;
}

/** BullMQ's `ContextManager` as the library implements it. */
export interface BullMqContextManager {
  with<A extends (...args: never[]) => unknown>(context: Context, fn: A): ReturnType<A>;
  active(): Context;
  root(): Context;
  getMetadata(context: Context): string;
  fromMetadata(activeContext: Context, metadata: string): Context;
}

const contextManager: BullMqContextManager = {
  with<A extends (...args: never[]) => unknown>(ctx: Context, fn: A): ReturnType<A> {
    const result = context.with(ctx, fn as () => ReturnType<A>);
    // `Queue.add` and `FlowProducer.add` resolve to the job: its id and delay go on the producer span before it ends.
    const span = bullMqSpanIn(ctx);
    if (!span || span.type === 'process' || !types.isPromise(result)) return result;
    return result.then((value) => {
      safeExecute('BullMQ job details', () => recordJobDetails(span, value));
      return value;
    }) as ReturnType<A>;
  },
  active: () => context.active(),
  root: () => ROOT_CONTEXT,
  getMetadata(ctx: Context): string {
    const carrier: Record<string, string> = {};
    injectContext(carrier, ctx);
    return Object.keys(carrier).length > 0 ? JSON.stringify(carrier) : '';
  },
  // The worker's own context is never a job's parent: the job carries its parent, or starts a new trace.
  fromMetadata: (_active: Context, metadata: string): Context => {
    // BullMQ reads a job's metadata twice (fetching it, then processing it): the second read is a lookup.
    const key = getRuntime().propagation?.acceptAttribution === false ? `0${metadata}` : `1${metadata}`;
    let ctx = extracted.get(key);
    if (!ctx) {
      ctx = extractContext(parseCarrier(metadata));
      if (extracted.size >= MAX_CACHED_CONTEXTS) extracted.clear();
      extracted.set(key, ctx);
    }
    return ctx;
  },
};

/** Contexts extracted from recent job metadata (immutable, so shared safely); bounded. */
const extracted = new Map<string, Context>();
const MAX_CACHED_CONTEXTS = 512;

function parseCarrier(metadata: unknown): unknown {
  if (typeof metadata !== 'string' || metadata.length > MAX_METADATA_LENGTH) return undefined;
  try {
    const parsed: unknown = JSON.parse(metadata);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * BullMQ's `telemetry` option, implemented on this library's span engine: pass it to your `Queue`s, `Worker`s
 * and `FlowProducer`s (or once to `BullModule.forRoot`, which hands it to all of them) and a job becomes part of
 * the trace that enqueued it, with that trace's user, session and tenant.
 *
 * - `Queue.add` / `addBulk` / `FlowProducer.add` record a PRODUCER span `send {queue}` (each flow node a
 *   `create {queue}`) in the caller's trace, and store the trace context and attribution in the job's options
 *   (`opts.telemetry.metadata`, BullMQ's own field: your job data is untouched).
 * - Each attempt of a worker runs your processor (a function, a sandboxed file, a `WorkerHost.process`) inside a
 *   CONSUMER span `process {queue}`, a child of the producer span, with the attribution restored: its spans and
 *   its LLM cost belong to the user who enqueued the job, cost rolls up onto the consumer span, and
 *   `CostService.report` groups it under that user and tenant. A failed attempt is ERROR; a retry is a new span.
 * - Spans carry `messaging.system`=`bullmq`, `messaging.destination.name`, `messaging.operation.type`,
 *   `messaging.message.id` (the job id), the attempt, delay and queue wait, and BullMQ's own `bullmq.*`
 *   attributes (except the job's return value). BullMQ's internal operations are not recorded.
 * - A corrupt or forged carrier starts a new trace, without attribution, and the job runs normally; attribution is
 *   read only from the library's key and `propagation.attribution` can turn it off. Tracing disabled: BullMQ runs
 *   as without telemetry (nothing is added to jobs).
 *
 * Compatible with BullMQ's `Telemetry` interface (bullmq >= 5.x); jobs added with `bullmq-otel` are understood too.
 * @example
 * BullModule.forRoot({ connection: { host: 'localhost', port: 6379 }, telemetry: new BullMqTelemetry() })
 * // or: new Worker('triage', processor, { connection, telemetry: new BullMqTelemetry() })
 */
export class BullMqTelemetry {
  /** Starts the spans BullMQ asks for (see the class description for which). */
  readonly tracer: BullMqTracer = {
    startSpan: (name, options, ctx) => startBullMqSpan(name, options?.kind, ctx),
  };
  /** Carries the context in and out of jobs. */
  readonly contextManager: BullMqContextManager = contextManager;

  constructor() {
    hookWorkers();
  }
}
