import { injectContext } from '../propagation/context-carrier.js';

/** A Nest microservice packet as the dispatch hook sees it. */
export interface PacketLike {
  pattern: unknown;
  data: unknown;
  metadata?: unknown;
}

type Constructor = abstract new (...args: never[]) => object;

/** The client and record classes of `@nestjs/microservices` the carrier placement depends on. */
export interface TransportClasses {
  ClientTCP: Constructor;
  ClientRedis: Constructor;
  ClientNats: Constructor;
  ClientRMQ: Constructor;
  ClientKafka: Constructor;
  ClientMqtt: Constructor;
  NatsRecord: new (data: unknown, headers: unknown) => { data: unknown; headers?: unknown };
  RmqRecord: new (data: unknown, options: unknown) => { data: unknown; options?: { headers?: Record<string, unknown> } & Record<string, unknown> };
}

interface NatsHeaders {
  keys(): Iterable<string>;
  values(key: string): string[];
  append(key: string, value: string): void;
}

/**
 * Attaches the active context to an outgoing packet where the transport's server reads it:
 * - NATS: message headers (`traceparent`, `tracestate`, `baggage`, `ai-tracing-attribution`), merged into a copy
 *   of the headers of a `NatsRecord` you sent;
 * - RabbitMQ: AMQP message `properties.headers`, merged into a copy of an `RmqRecord`'s options;
 * - TCP, Redis and any other transport: the packet's `metadata` object, the envelope Nest 12 sends beside
 *   `pattern`, `data` and `id` and hands the server as `TcpContext.getMetadata()` / `RedisContext.getMetadata()`.
 *
 * Your data itself is never modified: on NATS and RabbitMQ it is wrapped in the transport's record (which the
 * default serializer unwraps), or its record copied. A client with its own serializer gets the `metadata`
 * envelope instead, as does NATS when `@nats-io/transport-node` cannot be loaded.
 */
export function attachContext(client: object, packet: PacketLike, classes: TransportClasses, natsHeaders: (() => object) | undefined): void {
  const defaultSerializer = (client as { options?: { serializer?: unknown } }).options?.serializer === undefined;
  if (defaultSerializer && natsHeaders && client instanceof classes.ClientNats) {
    const record = packet.data instanceof classes.NatsRecord ? packet.data : undefined;
    const headers = natsHeaders() as NatsHeaders;
    if (record?.headers) copyNatsHeaders(record.headers as NatsHeaders, headers);
    injectContext(headers);
    packet.data = new classes.NatsRecord(record ? record.data : packet.data, headers);
    return;
  }
  if (defaultSerializer && client instanceof classes.ClientRMQ) {
    const record = packet.data instanceof classes.RmqRecord ? packet.data : undefined;
    const headers: Record<string, unknown> = { ...record?.options?.headers };
    injectContext(headers);
    packet.data = new classes.RmqRecord(record ? record.data : packet.data, { ...record?.options, headers });
    return;
  }
  const metadata = packet.metadata;
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) return;
  const envelope: Record<string, unknown> = { ...(metadata as Record<string, unknown> | undefined) };
  injectContext(envelope);
  packet.metadata = envelope;
}

function copyNatsHeaders(from: NatsHeaders, to: NatsHeaders): void {
  for (const key of from.keys()) for (const value of from.values(key)) to.append(key, value);
}
