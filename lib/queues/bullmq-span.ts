import { context, ROOT_CONTEXT, SpanKind, type AttributeValue, type Attributes, type Context } from '@opentelemetry/api';
import { getRuntime } from '../core/runtime.js';
import { safeExecute } from '../core/safe-execute.js';
import { markError, type LiveSpan, type SpanSpec } from '../core/span-engine.js';
import { end, tryOpenSpan } from '../core/span-lifecycle.js';
import { getScope, type SpanScope } from '../core/span-scope.js';
import { MessagingAttributes } from '../semconv.js';

/** BullMQ's own attribute names this adapter reads (its `TelemetryAttributes`). */
const BULLMQ_QUEUE_NAME = 'bullmq.queue.name';
const BULLMQ_JOB_ID = 'bullmq.job.id';
const BULLMQ_BULK_COUNT = 'bullmq.job.bulk.count';
/** A job's return value, which BullMQ records on a `job completed` event: content, so never recorded. */
const BULLMQ_JOB_RESULT = 'bullmq.job.result';

type OperationType = 'send' | 'create' | 'process';

/**
 * The BullMQ operations traced, by messaging operation type: adding a job, a batch or a flow sends; each node
 * of a flow is one created message; a worker attempt processes. BullMQ's other spans (fetching the next job,
 * pausing, the stalled-jobs checker...) are bookkeeping, not work anyone asked for, and are not recorded.
 */
const OPERATIONS: Readonly<Record<string, OperationType>> = {
  add: 'send',
  addBulk: 'send',
  addFlow: 'send',
  addBulkFlows: 'send',
  addNode: 'create',
  process: 'process',
};

/** The part of BullMQ's `Span` interface the library implements (structurally compatible with it). */
export interface BullMqSpanLike {
  setSpanOnContext(ctx: Context): Context;
  setAttribute(key: string, value: AttributeValue): void;
  setAttributes(attributes: Attributes): void;
  addEvent(name: string, attributes?: Attributes): void;
  recordException(exception: unknown, time?: unknown): void;
  end(): void;
}

/** What BullMQ asks for when tracing is off or the operation is not one the library records. */
const UNTRACED: BullMqSpanLike = {
  setSpanOnContext: (ctx) => ctx,
  setAttribute: () => undefined,
  setAttributes: () => undefined,
  addEvent: () => undefined,
  recordException: () => undefined,
  end: () => undefined,
};

/** Live BullMQ spans by their library scope: how the job hooks find the span a job runs in. */
const byScope = new WeakMap<SpanScope, BullMqSpan>();

/**
 * Starts the span BullMQ asks for. Producer spans (`send {queue}`, `create {queue}` for flow nodes) start in the
 * caller's context, so they nest under the request or job that enqueues; consumer spans (`process {queue}`)
 * start under the producer span the job carries, or in a new trace, never in whatever context the worker
 * loop runs in.
 */
export function startBullMqSpan(name: string, kind: number | undefined, parent: Context | undefined): BullMqSpanLike {
  if (!getRuntime().enabled || kind === SpanKind.INTERNAL) return UNTRACED;
  const space = name.indexOf(' ');
  const operation = space < 0 ? name : name.slice(0, space);
  const type = OPERATIONS[operation];
  if (!type) return UNTRACED;
  // `add` names its destination `{queue}.{job name}`; the queue name arrives as an attribute right after.
  const destination = operation === 'add' || space < 0 ? undefined : name.slice(space + 1) || undefined;
  const consumer = type === 'process';
  const attributes: Attributes = {
    [MessagingAttributes.SYSTEM]: 'bullmq',
    [MessagingAttributes.OPERATION_TYPE]: type,
    [MessagingAttributes.OPERATION_NAME]: operation,
  };
  if (destination) attributes[MessagingAttributes.DESTINATION_NAME] = destination;
  const spec: SpanSpec = {
    name: destination ? `${type} ${destination}` : type,
    role: 'queue',
    kind: consumer ? SpanKind.CONSUMER : SpanKind.PRODUCER,
    parent: parent ?? (consumer ? ROOT_CONTEXT : context.active()),
    attributes,
  };
  const live = tryOpenSpan(spec);
  return live ? new BullMqSpan(spec, live, type, destination !== undefined) : UNTRACED;
}

/** The live BullMQ span whose context is `ctx`, if any. */
export function bullMqSpanIn(ctx: Context): BullMqSpan | undefined {
  const scope = getScope(ctx);
  return scope && byScope.get(scope);
}

/**
 * One BullMQ producer or consumer span on the library's engine: the engine opens and ends it (attribution,
 * cost rollup, the store), BullMQ decides when. A failed attempt is ERROR; BullMQ only records the exception.
 */
export class BullMqSpan implements BullMqSpanLike {
  private failed = false;

  constructor(
    private readonly spec: SpanSpec,
    private readonly live: LiveSpan,
    readonly type: OperationType,
    private named: boolean,
  ) {
    byScope.set(live.scope, this);
  }

  /** Always the span's own context: for a consumer, built on the job's carrier, never on the worker's context. */
  setSpanOnContext(): Context {
    return this.live.ctx;
  }

  setAttribute(key: string, value: AttributeValue): void {
    this.setAttributes({ [key]: value });
  }

  /** BullMQ's attributes as they are, plus their messaging-convention names; the span is named once the queue is known. */
  setAttributes(attributes: Attributes): void {
    safeExecute('BullMQ span attributes', () => {
      const span = this.live.scope.span;
      const own: Attributes = {};
      for (const [key, value] of Object.entries(attributes)) {
        if (value === undefined || value === null || key === BULLMQ_JOB_RESULT) continue;
        own[key] = value;
        if (key === BULLMQ_JOB_ID) own[MessagingAttributes.MESSAGE_ID] = String(value);
        else if (key === BULLMQ_BULK_COUNT) own[MessagingAttributes.BATCH_MESSAGE_COUNT] = value;
        else if (key === BULLMQ_QUEUE_NAME && typeof value === 'string' && value !== '' && !this.named) {
          this.named = true;
          own[MessagingAttributes.DESTINATION_NAME] = value;
          span.updateName(`${this.type} ${value}`);
        }
      }
      span.setAttributes(own);
    });
  }

  /** BullMQ's `job completed` event carries the job's return value; it is dropped (content is not captured here). */
  addEvent(name: string, attributes?: Attributes): void {
    safeExecute('BullMQ span event', () => {
      if (!attributes || !(BULLMQ_JOB_RESULT in attributes)) return this.live.scope.span.addEvent(name, attributes);
      const { [BULLMQ_JOB_RESULT]: _result, ...rest } = attributes;
      this.live.scope.span.addEvent(name, rest);
    });
  }

  recordException(exception: unknown): void {
    this.failed = true;
    markError(this.live.scope, exception);
  }

  end(): void {
    end(this.spec, this.live, this.failed ? 'error' : 'ok');
  }

  /** Adds attributes the span cannot get from BullMQ's calls (read from the job itself). */
  addAttributes(attributes: Attributes): void {
    safeExecute('BullMQ job attributes', () => this.live.scope.span.setAttributes(attributes));
  }
}
