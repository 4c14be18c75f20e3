import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller, Get, Injectable, InternalServerErrorException } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { metrics } from '@opentelemetry/api';
import { TraceAgentTask, TraceTool, TraceWorkflow, TracingModule } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { connect } from '../support/ws-clients.js';
import { startOtlpReceiver } from './fixtures/otlp-receiver.js';

@Injectable()
class Assistant {
  @TraceWorkflow({ name: 'triage' })
  async triage(fail: boolean): Promise<string> {
    await this.research('refunds');
    if (fail) throw new RangeError('no route');
    return 'done';
  }

  @TraceAgentTask({ agent: 'researcher' })
  async research(topic: string): Promise<string> {
    return this.search(topic);
  }

  @TraceTool({ name: 'search' })
  search(topic: string): string {
    return `${topic}: 3 hits`;
  }
}

@Controller('tickets')
class TicketsController {
  constructor(private readonly assistant: Assistant) {}

  @Get(':id')
  async get(): Promise<string> {
    return this.assistant.triage(false);
  }

  @Get(':id/broken')
  broken(): never {
    throw new InternalServerErrorException('down');
  }
}

@WebSocketGateway()
class ChatGateway {
  @SubscribeMessage('ping')
  ping(): { event: string; data: string } {
    return { event: 'pong', data: 'ok' };
  }
}

/** One histogram series as the collector sees it (OTLP/JSON). */
interface Series {
  name: string;
  unit: string;
  attributes: Record<string, string | number>;
  count: number;
}

function decodeMetrics(bodies: Buffer[]): { series: Series[]; resources: Array<Record<string, unknown>> } {
  const series: Series[] = [];
  const resources: Array<Record<string, unknown>> = [];
  type KeyValue = { key: string; value: { stringValue?: string; intValue?: string | number } };
  const attributes = (list: KeyValue[] = []) =>
    Object.fromEntries(list.map((kv) => [kv.key, kv.value.stringValue ?? Number(kv.value.intValue)]));
  for (const body of bodies) {
    const request = JSON.parse(body.toString('utf8')) as {
      resourceMetrics: Array<{
        resource: { attributes: KeyValue[] };
        scopeMetrics: Array<{ metrics: Array<{ name: string; unit: string; histogram?: { dataPoints: Array<{ attributes?: KeyValue[]; count: string | number }> } }> }>;
      }>;
    };
    for (const rm of request.resourceMetrics) {
      resources.push(attributes(rm.resource.attributes));
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          for (const point of m.histogram?.dataPoints ?? []) {
            series.push({ name: m.name, unit: m.unit, attributes: attributes(point.attributes), count: Number(point.count) });
          }
        }
      }
    }
  }
  return { series, resources };
}

const apps = tracedAppPerTest();

describe('metrics through a MeterProvider the module builds (OTEL_METRICS_EXPORTER=otlp)', () => {
  it('exports duration histograms of workflows, agents, tools, HTTP and WebSocket handlers to a real OTLP receiver', async () => {
    const receiver = await startOtlpReceiver();
    apps.cleanup(() => receiver.close());
    apps.env({
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.baseUrl}/v1/metrics`,
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'metrics-e2e',
    });
    assert.equal(metrics.getMeterProvider().constructor.name, 'NoopMeterProvider', 'the app has no MeterProvider');
    const app = await apps.boot({
      tracingModule: TracingModule.forRoot({ exporter: 'memory' }),
      providers: [Assistant, ChatGateway],
      controllers: [TicketsController],
      configure: (a) => void a.useWebSocketAdapter(new WsAdapter(a)),
    });
    assert.notEqual(metrics.getMeterProvider().constructor.name, 'NoopMeterProvider', 'the module registered one');

    for (const id of ['t-1', 't-2']) assert.equal((await fetch(`${app.url}/tickets/${id}`)).status, 200);
    assert.equal((await fetch(`${app.url}/tickets/t-3/broken`)).status, 500);
    await assert.rejects(app.app.get(Assistant).triage(true), RangeError);
    const client = await connect('ws', app.url);
    assert.equal(await client.request('ping', {}, 'pong'), 'ok');
    client.close();

    // Closing the app shuts the MeterProvider down, which exports what it holds.
    await app.close();
    assert.equal(metrics.getMeterProvider().constructor.name, 'NoopMeterProvider', 'the provider is gone with the app');

    assert.ok(receiver.received.every((r) => r.path === '/v1/metrics'));
    const { series, resources } = decodeMetrics(receiver.received.map((r) => r.body));
    assert.ok(resources.every((r) => r['service.name'] === 'metrics-e2e' && typeof r['service.instance.id'] === 'string'));
    const find = (name: string, attributes: Record<string, string | number>) =>
      series.filter((s) => s.name === name && Object.entries(attributes).every(([k, v]) => s.attributes[k] === v));

    assert.deepEqual(find('http.server.request.duration', { 'http.route': '/tickets/:id' }).map((s) => [s.attributes, s.count, s.unit]), [
      [{ 'http.request.method': 'GET', 'http.route': '/tickets/:id', 'url.scheme': 'http', 'http.response.status_code': 200 }, 2, 's'],
    ]);
    assert.deepEqual(find('http.server.request.duration', { 'http.route': '/tickets/:id/broken' })[0]?.attributes, {
      'http.request.method': 'GET',
      'http.route': '/tickets/:id/broken',
      'url.scheme': 'http',
      'http.response.status_code': 500,
      'error.type': 'InternalServerErrorException',
    });
    assert.deepEqual(
      find('gen_ai.workflow.duration', {}).map((s) => [s.attributes, s.count]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        [{ 'gen_ai.operation.name': 'invoke_workflow', 'gen_ai.workflow.name': 'triage', outcome: 'ok' }, 2],
        [{ 'gen_ai.operation.name': 'invoke_workflow', 'gen_ai.workflow.name': 'triage', outcome: 'error', 'error.type': 'RangeError' }, 1],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    assert.deepEqual(find('gen_ai.invoke_agent.duration', {}).map((s) => [s.attributes, s.count]), [
      [{ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'researcher', outcome: 'ok' }, 3],
    ]);
    assert.deepEqual(find('gen_ai.execute_tool.duration', {}).map((s) => [s.attributes, s.count]), [
      [{ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', outcome: 'ok' }, 3],
    ]);
    assert.deepEqual(find('websocket.server.message.duration', {}).map((s) => [s.attributes, s.count]), [
      [{ 'websocket.event': 'ping', outcome: 'ok' }, 1],
    ]);
    for (const s of series) {
      for (const value of Object.values(s.attributes)) assert.doesNotMatch(String(value), /t-1|t-2|t-3/, 'no ids or raw paths in labels');
    }
  });

  it('with an app MeterProvider already registered, the metrics variables are not read and nothing is built', async () => {
    const { resolveTracingConfig } = await import('../../lib/config/resolve-config.js');
    const env = (name: string) => ({ OTEL_METRICS_EXPORTER: 'prometheus' })[name];
    assert.equal(resolveTracingConfig({}, env, false, true).metrics.exporter, 'none');
    assert.throws(() => resolveTracingConfig({}, env, false, false), /OTEL_METRICS_EXPORTER="prometheus": expected one of "otlp", "console", "none"/);
  });
});
