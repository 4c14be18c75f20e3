import 'reflect-metadata';
import { Controller, type DynamicModule, type INestMicroservice } from '@nestjs/common';
import { ClientTCP, Ctx, MessagePattern, Payload, RpcException, Transport, type TcpContext } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import type { AddressInfo, Server } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { AttributionAttributes, MessagingAttributes, TracingModule, TracingService, type TracingModuleOptions } from '../../lib/index.js';
import { GARBAGE_CARRIERS, VALID_TRACEPARENT } from '../propagation/fixtures/garbage-carriers.js';
import { collectMetrics } from '../support/metric-reader.js';
import { configuredBy } from '../support/config-service.js';
import { parentOf, spanNamed, waitForSpans } from '../support/tracing-harness.js';
import { lastValueWithin, WaitTimeoutError } from '../support/waits.js';
import { sendRawTcp } from './fixtures/raw-tcp.js';

const metadataSeen: unknown[] = [];

@Controller()
class MathHandlers {
  @MessagePattern({ cmd: 'sum' })
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }

  @MessagePattern('fail')
  fail(): never {
    throw new RpcException('no such document');
  }

  @MessagePattern('echo')
  echo(@Payload() data: unknown, @Ctx() context: TcpContext): unknown {
    metadataSeen.push(context.getMetadata());
    return data;
  }
}

/** A standalone TCP microservice (no HTTP app) on a free port, traced by `TracingModule`. */
async function startMicroservice(
  tracing: TracingModuleOptions,
  modules: DynamicModule[] = [TracingModule.forRoot({ exporter: 'memory', ...tracing })],
): Promise<{ microservice: INestMicroservice; port: number; tracing: TracingService }> {
  const moduleRef = await Test.createTestingModule({
    imports: modules,
    controllers: [MathHandlers],
  }).compile();
  const microservice = moduleRef.createNestMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 }, logger: false });
  await microservice.listen();
  const port = (microservice.unwrap<Server>().address() as AddressInfo).port;
  return { microservice, port, tracing: microservice.get(TracingService) };
}

describe('a standalone TCP microservice and a ClientTCP made with new', () => {
  let microservice: INestMicroservice;
  let tracing: TracingService;
  let port: number;
  let client: ClientTCP;

  before(async () => {
    ({ microservice, port, tracing } = await startMicroservice({}));
    client = new ClientTCP({ host: '127.0.0.1', port });
    await client.connect();
  });
  afterEach(() => tracing.resetFinishedSpans());
  after(async () => {
    client?.close();
    await microservice?.close();
  });

  it('names spans after an object pattern as Nest routes it, parented client -> server, with the caller attribution', async () => {
    const sum = await tracing.withAttribution({ userId: 'alice' }, () => tracing.withSpan('caller', () => lastValueWithin(client.send<number>({ cmd: 'sum' }, [1, 2, 3]), 'the reply')));
    assert.equal(sum, 6);
    const spans = await waitForSpans(() => tracing.getFinishedSpans(), (all) => all.filter((s) => s.name === 'rpc {"cmd":"sum"}').length === 2);
    const client_ = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    assert.equal(parentOf(spans, client_), spanNamed(spans, 'caller'));
    assert.equal(parentOf(spans, server), client_);
    assert.equal(server.attributes[MessagingAttributes.DESTINATION_NAME], '{"cmd":"sum"}');
    assert.equal(server.attributes[MessagingAttributes.SYSTEM], 'tcp');
    assert.equal(server.attributes[AttributionAttributes.USER_ID], 'alice');
  });

  it('keeps 100 concurrent calls of 100 users apart: every server span under its own client span, with its caller', async () => {
    const users = Array.from({ length: 100 }, (_, i) => `user-${i}`);
    const sums = await Promise.all(
      users.map((user, i) => tracing.withAttribution({ userId: user }, () => tracing.withSpan(`call ${user}`, () => lastValueWithin(client.send<number>({ cmd: 'sum' }, [i, 1]), 'the reply')))),
    );
    assert.deepEqual(sums, users.map((_, i) => i + 1));
    const spans = await waitForSpans(() => tracing.getFinishedSpans(), (all) => all.filter((s) => s.kind === SpanKind.SERVER).length === 100);
    for (const user of users) {
      const call = spanNamed(spans, `call ${user}`);
      const clients = spans.filter((s) => parentOf(spans, s) === call);
      assert.deepEqual(clients.map((s) => s.kind), [SpanKind.CLIENT], user);
      const servers = spans.filter((s) => parentOf(spans, s) === clients[0]);
      assert.deepEqual(servers.map((s) => s.attributes[AttributionAttributes.USER_ID]), [user], user);
    }
  });

  it('records messaging.process.duration for handled messages, by transport, pattern and outcome', async () => {
    const recorded = collectMetrics();
    try {
      await lastValueWithin(client.send<number>({ cmd: 'sum' }, [2, 2]), 'the reply');
      await assert.rejects(lastValueWithin(client.send('fail', {}), 'the reply'), (error: unknown) => !(error instanceof WaitTimeoutError));
      await waitForSpans(() => tracing.getFinishedSpans(), (all) => all.filter((s) => s.kind === SpanKind.SERVER).length === 2);
      const points = await recorded.histogram('messaging.process.duration');
      const byPattern = Object.fromEntries(points.map((p) => [p.attributes[MessagingAttributes.DESTINATION_NAME], [p.attributes.outcome, p.attributes['error.type'], p.attributes[MessagingAttributes.SYSTEM], p.count]]));
      assert.deepEqual(byPattern, { '{"cmd":"sum"}': ['ok', undefined, 'tcp', 1], fail: ['error', 'RpcException', 'tcp', 1] });
    } finally {
      await recorded.close();
    }
  });

  it('marks a handler error ERROR on both sides; the caller still gets the RPC error', async () => {
    await assert.rejects(lastValueWithin(client.send('fail', {}), 'the reply'), (error: unknown) => (error as { message?: string }).message === 'no such document');
    const spans = await waitForSpans(() => tracing.getFinishedSpans(), (all) => all.filter((s) => s.name === 'rpc fail').length === 2);
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    const caller = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    assert.equal(server.status.code, SpanStatusCode.ERROR);
    assert.equal(server.attributes['error.type'], 'RpcException');
    assert.equal(caller.status.code, SpanStatusCode.ERROR);
    assert.equal(caller.status.message, 'no such document');
  });

  it('answers packets with garbage or forged metadata from a foreign producer, in a new trace (or the valid one), attributing nobody', async () => {
    const cases = [...GARBAGE_CARRIERS, { label: 'metadata of the wrong type', carrier: 'traceparent=1', joinsTrace: false }];
    for (const [i, { label, carrier }] of cases.entries()) {
      const reply = await sendRawTcp(port, { pattern: 'echo', data: { i }, id: `raw-${i}`, metadata: carrier });
      assert.deepEqual(reply.response, { i }, label);
    }
    const spans = await waitForSpans(() => tracing.getFinishedSpans(), (all) => all.filter((s) => s.name === 'rpc echo').length === cases.length);
    for (const [i, { label, joinsTrace }] of cases.entries()) {
      const server = spans.filter((s) => s.name === 'rpc echo')[i]!;
      assert.equal(server.parentSpanContext?.spanId, joinsTrace ? VALID_TRACEPARENT.split('-')[2] : undefined, label);
      assert.equal(server.attributes[AttributionAttributes.USER_ID], undefined, label);
    }
  });
});

describe('microservice tracing off', () => {
  const switches: Array<[string, () => ReturnType<typeof startMicroservice>]> = [
    ['microservices.enabled: false', () => startMicroservice({ microservices: { enabled: false } })],
    [
      'TRACING_MICROSERVICES_ENABLED=false (through ConfigService)',
      async () => {
        const { tracingModule, imports } = await configuredBy({ TRACING_MICROSERVICES_ENABLED: 'false' }, { exporter: 'memory' });
        return startMicroservice({}, [tracingModule, ...imports]);
      },
    ],
  ];
  for (const [how, start] of switches) {
    it(`${how}: sends and answers exactly as without the library: no spans, no metadata on the packet`, async () => {
      const { microservice, port, tracing } = await start();
      const client = new ClientTCP({ host: '127.0.0.1', port });
      try {
        metadataSeen.length = 0;
        const echoed = await tracing.withAttribution({ userId: 'alice' }, () =>
          tracing.withSpan('caller', () => lastValueWithin(client.send('echo', { a: 1 }), 'the echo')),
        );
        assert.deepEqual(echoed, { a: 1 });
        assert.deepEqual(metadataSeen, [undefined]);
        assert.deepEqual(tracing.getFinishedSpans().map((s) => s.name), ['caller']);
      } finally {
        client.close();
        await microservice.close();
      }
    });
  }
});
