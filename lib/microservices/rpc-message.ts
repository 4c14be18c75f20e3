import type { ExecutionContext } from '@nestjs/common';

/** `@nestjs/microservices`' handler-type metadata (`PatternHandler.EVENT`), read without importing the package. */
const PATTERN_HANDLER_METADATA = 'microservices:handler_type';
const EVENT_HANDLER = 2;
/** `@MessagePattern()`/`@EventPattern()` mark their method with this key (`@nestjs/microservices`, an optional peer: not imported). */
export const PATTERN_METADATA = 'microservices:pattern';

/** `messaging.system` of each transport's context class. */
const TRANSPORTS: Readonly<Record<string, string>> = {
  TcpContext: 'tcp',
  RedisContext: 'redis',
  NatsContext: 'nats',
  RmqContext: 'rabbitmq',
  KafkaContext: 'kafka',
  MqttContext: 'mqtt',
  Metadata: 'grpc',
};

/** What the tracing needs to know about one inbound microservice message. */
export interface RpcMessage {
  /** `tcp`, `redis`, `nats`, `rabbitmq`, `kafka`, `mqtt`, `grpc`, or undefined for a custom transport. */
  transport: string | undefined;
  /** The pattern as the transport routed it (`sum`, `{"cmd":"sum"}`, a NATS subject). */
  pattern: string;
  /** `@EventPattern` (no reply) rather than `@MessagePattern`. */
  event: boolean;
  /** Where the sender put the trace context: packet metadata (TCP, Redis), NATS/AMQP/Kafka headers, MQTT 5 user properties. */
  carrier: unknown;
}

interface TransportContext {
  getPattern?(): unknown;
  getSubject?(): unknown;
  getChannel?(): unknown;
  getTopic?(): unknown;
  getMetadata?(): unknown;
  getHeaders?(): unknown;
  getMessage?(): unknown;
  getPacket?(): unknown;
  get?(key: string): unknown;
}

/** Reads transport, pattern, kind and carrier of the message `ctx` handles, from the transport's context object. */
export function describeRpcMessage(ctx: ExecutionContext): RpcMessage {
  const rpc = ctx.switchToRpc();
  const transportContext = rpc.getContext<TransportContext | undefined>();
  const handler = ctx.getHandler();
  return {
    transport: transportOf(transportContext),
    pattern: patternOf(transportContext) ?? patternFromMetadata(handler),
    event: Reflect.getMetadata(PATTERN_HANDLER_METADATA, handler) === EVENT_HANDLER,
    carrier: carrierOf(transportContext),
  };
}

function transportOf(context: TransportContext | undefined): string | undefined {
  const name = context?.constructor?.name;
  return name ? TRANSPORTS[name] : undefined;
}

function patternOf(context: TransportContext | undefined): string | undefined {
  if (!context) return undefined;
  for (const read of [context.getPattern, context.getSubject, context.getChannel, context.getTopic]) {
    if (typeof read !== 'function') continue;
    const value = read.call(context);
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** The handler's declared pattern, for transports whose context does not say which one matched. */
function patternFromMetadata(handler: object): string {
  const patterns: unknown = Reflect.getMetadata(PATTERN_METADATA, handler);
  const first = Array.isArray(patterns) ? patterns[0] : patterns;
  if (typeof first === 'string') return first;
  try {
    return JSON.stringify(first) ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function carrierOf(context: TransportContext | undefined): unknown {
  if (!context) return undefined;
  if (typeof context.getMetadata === 'function') return context.getMetadata();
  if (typeof context.getHeaders === 'function') return context.getHeaders();
  if (typeof context.getMessage === 'function') {
    const message = context.getMessage() as { properties?: { headers?: unknown }; headers?: unknown } | undefined;
    // AMQP keeps headers in `properties`, Kafka on the message.
    return message?.properties?.headers ?? message?.headers;
  }
  if (typeof context.getPacket === 'function') {
    return (context.getPacket() as { properties?: { userProperties?: unknown } } | undefined)?.properties?.userProperties;
  }
  // gRPC hands its Metadata (a header collection) as the context.
  return typeof context.get === 'function' ? context : undefined;
}
