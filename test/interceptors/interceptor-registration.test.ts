import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { APP_INTERCEPTOR, ModulesContainer } from '@nestjs/core';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants.js';
import { ClientTCP, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { HttpAttributes, RpcTracingInterceptor, WsTracingInterceptor, type TracingModuleOptions } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { configuredBy } from '../support/config-service.js';
import { spansExportedBy } from '../support/recording-exporter.js';
import { createTracedApp, PLATFORMS, waitForSpans, type TracedApp, type TracedAppOptions } from '../support/tracing-harness.js';
import { AssistantService } from './fixtures/assistant.service.js';
import { ManualController, OpsController } from './fixtures/http.controllers.js';
import { IoJobsGateway } from './fixtures/jobs.gateway.js';
import {
  LoudEchoController,
  HybridHandlers,
  ManualIoGateway,
  MixedController,
  QuietIoGateway,
  QuietEchoController,
  StatusController,
} from './fixtures/registration.controllers.js';
import { connect, type TestClient } from '../support/ws-clients.js';

/**
 * The global (`APP_INTERCEPTOR`) interceptors Nest registered for `app`, read from its modules' providers
 * (`ModulesContainer`, the registry `DiscoveryService` reads): a provider whose factory gave `null` has none.
 */
function globalInterceptors(app: INestApplication): unknown[] {
  const found: unknown[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const [token, wrapper] of module.providers) {
      if (typeof token === 'string' && token.startsWith(`${APP_INTERCEPTOR} (`) && wrapper.instance != null) found.push(wrapper.instance);
    }
  }
  return found;
}

function names(spans: ReadableSpan[]): string[] {
  return spans.map((s) => s.name).sort();
}

for (const platform of PLATFORMS) {
  describe(`Global tracing interceptor registration on ${platform}`, () => {
    const apps = tracedAppPerTest({ platform });

    function start(options: TracedAppOptions): Promise<TracedApp> {
      return apps.boot(options);
    }

    it('registers no global interceptor, whatever is on, and traces HTTP requests from the adapter hooks', async () => {
      const off = { enabled: false };
      for (const tracing of [{}, { websocket: off, microservices: off }, { http: off, microservices: off }, { http: off, websocket: off }] satisfies TracingModuleOptions[]) {
        const app = await start({ controllers: [OpsController], tracing });
        assert.deepEqual(globalInterceptors(app.app), [], JSON.stringify(tracing));
        assert.equal((await fetch(`${app.url}/health`)).status, 200);
        if (tracing.http === undefined) {
          assert.deepEqual(names(await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'GET /health'))), ['GET /health']);
        }
        await app.close();
      }
    });

    it('traces nothing when tracing is disabled', async () => {
      const boot = (tracing: TracingModuleOptions) => start({ controllers: [OpsController], tracing });
      const health = async (app: TracedApp) => {
        assert.deepEqual(globalInterceptors(app.app), []);
        assert.equal((await fetch(`${app.url}/health`)).status, 200);
      };
      assert.deepEqual(await spansExportedBy(boot, {}, health), ['GET /health'], 'control: tracing on');
      assert.deepEqual(await spansExportedBy(boot, { enabled: false }, health), []);
    });

    it('registers no global interceptor and traces no request with http, websocket and microservices off', async () => {
      const app = await start({
        controllers: [OpsController, StatusController, ManualController],
        tracing: { http: { enabled: false }, websocket: { enabled: false }, microservices: { enabled: false } },
      });
      assert.deepEqual(globalInterceptors(app.app), []);
      assert.deepEqual(await (await fetch(`${app.url}/health`)).json(), { ok: true });
      assert.equal((await fetch(`${app.url}/status/503`)).status, 503);
      assert.equal((await fetch(`${app.url}/no-such-route`)).status, 404);
      // The hand-applied interceptor still traces: its span shows the requests before it had their chance.
      assert.equal((await fetch(`${app.url}/manual/9`)).status, 200);
      const spans = await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'GET /manual/:id'));
      assert.deepEqual(names(spans), ['GET /manual/:id']);
    });

    it('traces a request once when a controller applies HttpTracingInterceptor next to the module\'s own HTTP tracing', async () => {
      const app = await start({ controllers: [ManualController, OpsController] });
      assert.equal((await fetch(`${app.url}/manual/1`)).status, 200);
      assert.equal((await fetch(`${app.url}/manual/2`)).status, 200);
      await fetch(`${app.url}/health`);
      const spans = await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'GET /health'));
      const manual = spans.filter((s) => s.name === 'GET /manual/:id');
      assert.deepEqual(manual.map((s) => s.attributes[HttpAttributes.URL_PATH]).sort(), ['/manual/1', '/manual/2']);
      assert.equal(new Set(manual.map((s) => s.spanContext().traceId)).size, 2);
      assert.deepEqual(names(spans), ['GET /health', 'GET /manual/:id', 'GET /manual/:id']);
    });

    it('keeps @NoTrace on a controller, on a handler and on an inherited handler across repeated requests', async () => {
      const app = await start({ controllers: [MixedController, QuietEchoController, LoudEchoController, OpsController] });
      // In turns, so a handler shared by an opted-out and a traced controller is looked up for each class.
      for (let round = 0; round < 2; round += 1) {
        for (const path of ['/mixed/quiet', '/quiet-echo/echo', '/loud-echo/echo']) {
          assert.equal((await fetch(`${app.url}${path}`)).status, 200, path);
        }
      }
      await fetch(`${app.url}/mixed/loud`);
      const spans = await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'GET /mixed/loud'));
      assert.deepEqual(names(spans), ['GET /loud-echo/echo', 'GET /loud-echo/echo', 'GET /mixed/loud']);
    });
  });
}

describe('HTTP and WebSocket tracing switched separately (socket.io)', () => {
  const apps = tracedAppPerTest({
    controllers: [OpsController],
    providers: [AssistantService],
    configure: (app) => {
      app.useWebSocketAdapter(new IoAdapter(app));
    },
  });

  async function start(options: TracedAppOptions): Promise<{ app: TracedApp; client: TestClient }> {
    const app = await apps.boot(options);
    const client = await connect('socket.io', app.url, { namespace: '/jobs' });
    apps.defer(() => client.close());
    return { app, client };
  }

  /** The switch as a module option, or as a variable read through ConfigService. */
  const switches = [
    { how: 'option', off: async (which: 'http' | 'websocket'): Promise<TracedAppOptions> => ({ tracing: { [which]: { enabled: false } } }) },
    {
      how: 'TRACING_*_ENABLED variable',
      off: (which: 'http' | 'websocket') =>
        configuredBy({ [which === 'http' ? 'TRACING_HTTP_ENABLED' : 'TRACING_WEBSOCKET_ENABLED']: 'false' }, { exporter: 'memory' }),
    },
  ];

  for (const { how, off } of switches) {
    it(`with websocket off (${how}) traces HTTP requests but not gateway messages`, async () => {
      const { app, client } = await start({ providers: [AssistantService, IoJobsGateway], ...(await off('websocket')) });
      assert.equal(await client.request('ping', {}, 'pong'), 'ok');
      assert.equal(await client.request('ping', {}, 'pong'), 'ok');
      assert.equal((await fetch(`${app.url}/health`)).status, 200);
      const spans = await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'GET /health'));
      assert.deepEqual(names(spans), ['GET /health']);
    });

    it(`with http off (${how}) traces gateway messages but not HTTP requests, with no global interceptor`, async () => {
      const { app, client } = await start({ providers: [AssistantService, IoJobsGateway], ...(await off('http')) });
      assert.deepEqual(globalInterceptors(app.app), []);
      assert.equal((await fetch(`${app.url}/health`)).status, 200);
      assert.equal((await fetch(`${app.url}/no-such-route`)).status, 404);
      assert.equal(await client.request('ping', {}, 'pong'), 'ok');
      const spans = await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'websocket ping'));
      assert.deepEqual(names(spans), ['websocket ping']);
    });
  }

  it('traces no message of a @NoTrace gateway, with http on or off', async () => {
    for (const tracing of [{}, { http: { enabled: false } }] satisfies TracingModuleOptions[]) {
      const { app, client } = await start({ controllers: [ManualController], providers: [QuietIoGateway], tracing });
      assert.equal(await client.request('ping', {}, 'pong'), 'ok');
      assert.equal(await client.request('ping', {}, 'pong'), 'ok');
      // The hand-traced route is traced with http on or off: its span marks the messages as handled.
      assert.equal((await fetch(`${app.url}/manual/1`)).status, 200);
      const spans = await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'GET /manual/:id'));
      assert.deepEqual(names(spans), ['GET /manual/:id'], JSON.stringify(tracing));
      await app.close();
    }
  });

  it('traces a message once when a gateway applies WsTracingInterceptor next to the one TracingModule attaches', async () => {
    const { app, client } = await start({ providers: [ManualIoGateway] });
    assert.equal(await client.request('ping', {}, 'pong'), 'ok');
    assert.equal(await client.request('ping', {}, 'pong'), 'ok');
    await fetch(`${app.url}/health`);
    const spans = await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'GET /health'));
    assert.deepEqual(names(spans), ['GET /health', 'websocket ping', 'websocket ping']);
  });
});

/**
 * A hybrid app (HTTP + TCP microservice) connected WITHOUT `inheritAppConfig`: global interceptors do not reach
 * its message handlers, the RPC tracing attached to each handler method does.
 */
describe('Message handlers of a hybrid app connected without inheritAppConfig', () => {
  const apps = tracedAppPerTest({
    controllers: [HybridHandlers],
    configure: async (app) => {
      app.connectMicroservice<MicroserviceOptions>({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } });
      await app.startAllMicroservices();
    },
  });

  async function start(tracing: TracingModuleOptions): Promise<{ app: TracedApp; client: ClientTCP }> {
    const app = await apps.boot({ tracing });
    const [microservice] = app.app.getMicroservices();
    const port = (microservice!.unwrap<Server>().address() as AddressInfo).port;
    const client = new ClientTCP({ host: '127.0.0.1', port });
    apps.defer(() => client.close());
    return { app, client };
  }

  /** Spans of handled messages and requests (the ClientTCP's own spans left out). */
  const served = (spans: ReadableSpan[]): string[] =>
    names(spans.filter((s) => s.kind !== SpanKind.CLIENT && s.kind !== SpanKind.PRODUCER));

  for (const [label, tracing] of [
    ['http on', {}],
    ['http off', { http: { enabled: false } }],
  ] satisfies Array<[string, TracingModuleOptions]>) {
    it(`traces @MessagePattern and @EventPattern handlers, not @NoTrace ones, a hand-applied interceptor once (${label})`, async () => {
      const { app, client } = await start(tracing);
      assert.deepEqual(globalInterceptors(app.app), []);
      assert.equal(await lastValueFrom(client.send('sum', [1, 2, 3])), 6);
      assert.equal(await lastValueFrom(client.send('quiet', {})), 'quiet');
      assert.equal(await lastValueFrom(client.send('manual', {})), 'manual');
      await lastValueFrom(client.emit('noted', {}));
      assert.deepEqual(await (await fetch(`${app.url}/hybrid/health`)).json(), { ok: true });
      // With http on, the request span ends once its response is finished, which can be just after the client got it.
      const spans = await waitForSpans(
        app.spans,
        (all) =>
          all.some((s) => s.name === 'process noted') &&
          all.some((s) => s.name === 'rpc manual') &&
          ('http' in tracing || all.some((s) => s.name === 'GET /hybrid/health')),
      );
      assert.deepEqual(served(spans), [...('http' in tracing ? [] : ['GET /hybrid/health']), 'process noted', 'rpc manual', 'rpc sum']);
    });
  }

  it('traces nothing with microservices off; attaches nothing to the handlers', async () => {
    const { app, client } = await start({ microservices: { enabled: false }, http: { enabled: false } });
    assert.equal(await lastValueFrom(client.send('sum', [1, 2])), 3);
    assert.equal(await lastValueFrom(client.send('manual', {})), 'manual');
    const spans = await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'rpc manual'));
    assert.deepEqual(served(spans), ['rpc manual']);
    assert.deepEqual(Reflect.getMetadata(INTERCEPTORS_METADATA, HybridHandlers.prototype.sum) ?? [], []);
    assert.deepEqual(Reflect.getMetadata(INTERCEPTORS_METADATA, HybridHandlers.prototype.manual), [RpcTracingInterceptor]);
  });
});

describe('Interceptors attached by TracingModule across apps', () => {
  const apps = tracedAppPerTest({ configure: (app) => void app.useWebSocketAdapter(new IoAdapter(app)) });

  const ours = (target: object, type: abstract new (...args: never[]) => unknown): number =>
    ((Reflect.getMetadata(INTERCEPTORS_METADATA, target) as unknown[] | undefined) ?? []).filter((i) => i instanceof type).length;

  it('attaches one per gateway class and handler method, however many apps boot, before the user\'s own', async () => {
    const first = await apps.boot({ controllers: [HybridHandlers], providers: [ManualIoGateway], listen: false });
    const second = await apps.boot({ controllers: [HybridHandlers], providers: [ManualIoGateway], listen: false });
    for (const [target, type] of [
      [ManualIoGateway, WsTracingInterceptor],
      [HybridHandlers.prototype.sum, RpcTracingInterceptor],
      [HybridHandlers.prototype.manual, RpcTracingInterceptor],
    ] as const) {
      assert.equal(ours(target, type), 1, String(target));
    }
    assert.deepEqual((Reflect.getMetadata(INTERCEPTORS_METADATA, ManualIoGateway) as unknown[]).slice(1), [WsTracingInterceptor]);
    assert.deepEqual((Reflect.getMetadata(INTERCEPTORS_METADATA, HybridHandlers.prototype.manual) as unknown[]).slice(1), [RpcTracingInterceptor]);
    await second.close();
    await first.close();
  });
});

/**
 * Express apps share nothing but `http.ServerResponse.prototype`; the request hook patches `writeHead` once on
 * each app's own response prototype, so answers must not be mixed up between apps nor between responses.
 *
 * Spans are looked up in both apps' exporters: the span engine's runtime is process-wide (`core/runtime.ts`:
 * the most recently initialised `TracingModule` records for every app until it closes).
 */
describe('Two Express apps alive in one process', () => {
  let first: TracedApp;
  let second: TracedApp;
  let secondClosed = false;

  before(async () => {
    first = await createTracedApp({ controllers: [StatusController], tracing: { serviceName: 'first-app' } });
    second = await createTracedApp({ controllers: [StatusController], tracing: { serviceName: 'second-app' } });
  });

  after(async () => {
    await first.close();
    if (!secondClosed) await second.close();
  });

  interface Answer {
    path: string;
    status: number;
    spanId: string;
  }

  /** Sends `GET {path}`; returns the status and the span id its `traceresponse` header names. */
  async function call(app: TracedApp, path: string): Promise<Answer> {
    const response = await fetch(`${app.url}${path}`);
    await response.arrayBuffer();
    const header = response.headers.get('traceresponse');
    assert.ok(header, `traceresponse on ${path}`);
    return { path, status: response.status, spanId: header.split('-')[2]! };
  }

  /** Every answer has the expected status and exactly one span, named after its route, with that status. */
  function assertTraced(spans: ReadableSpan[], answers: Answer[], expected: Record<string, number>): void {
    for (const answer of answers) {
      assert.equal(answer.status, expected[answer.path], answer.path);
      const found = spans.filter((s) => s.spanContext().spanId === answer.spanId);
      assert.equal(found.length, 1, `one span for ${answer.path}`);
      const span = found[0]!;
      assert.equal(span.name, answer.path.startsWith('/status/') ? 'GET /status/:code' : 'GET', answer.path);
      assert.equal(span.attributes[HttpAttributes.URL_PATH], answer.path);
      assert.equal(span.attributes[HttpAttributes.RESPONSE_STATUS_CODE], answer.status, answer.path);
    }
    assert.equal(spans.length, answers.length);
  }

  const allSpans = (): ReadableSpan[] => [...first.spans(), ...second.spans()];

  it('traces both apps’ requests, interleaved, each with its own status code', async () => {
    // Unmatched paths are the ones whose span opens from the patched `writeHead`.
    const expected: Record<string, number> = {
      '/status/200': 200,
      '/status/418': 418,
      '/status/503': 503,
      '/first-only': 404,
      '/status/404': 404,
      '/status/500': 500,
      '/status/429': 429,
      '/second-only': 404,
    };
    const paths = Object.keys(expected);
    const answers = (
      await Promise.all([
        Promise.all(paths.slice(0, 4).map((path) => call(first, path))),
        Promise.all(paths.slice(4).map((path) => call(second, path))),
      ])
    ).flat();
    assertTraced(await waitForSpans(allSpans, (all) => all.length >= answers.length), answers, expected);
  });

  it('keeps the answers of overlapping requests to both apps apart', async () => {
    first.tracing.resetFinishedSpans();
    second.tracing.resetFinishedSpans();
    // Both wait in the body parser (their spans not opened yet) while the other one is answered.
    const early = heldPost(first, '/first-unmatched');
    await call(first, '/status/200');
    const late = heldPost(second, '/status/201');
    await call(second, '/status/200');
    const earlyAnswer = await early.release();
    const lateAnswer = await late.release();
    assert.ok(earlyAnswer.traceresponse, 'traceresponse on the unmatched request');
    assert.ok(lateAnswer.traceresponse, 'traceresponse on the routed request');
    const spans = await waitForSpans(allSpans, (all) => all.length >= 4);
    const byId = (header: string) => spans.filter((s) => s.spanContext().spanId === header.split('-')[2]);
    const [unmatched] = byId(earlyAnswer.traceresponse);
    const [routed] = byId(lateAnswer.traceresponse);
    assert.equal(earlyAnswer.status, 404);
    assert.equal(unmatched?.name, 'POST');
    assert.equal(unmatched.attributes[HttpAttributes.URL_PATH], '/first-unmatched');
    assert.equal(unmatched.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 404);
    assert.equal(lateAnswer.status, 201);
    assert.equal(routed?.name, 'POST /status/201');
    assert.equal(routed.attributes[HttpAttributes.RESPONSE_STATUS_CODE], 201);
    assert.equal(spans.length, 4);
  });

  it('still traces the first app, into its own exporter, once the second is closed', async () => {
    first.tracing.resetFinishedSpans();
    await second.close();
    secondClosed = true;
    const answers = [await call(first, '/status/200'), await call(first, '/status/409'), await call(first, '/gone')];
    const spans = await waitForSpans(first.spans, (all) => all.length >= answers.length);
    assertTraced(spans, answers, { '/status/200': 200, '/status/409': 409, '/gone': 404 });
  });
});

/** A JSON POST whose body is held back until `release()`, which resolves with the answer. */
function heldPost(app: TracedApp, path: string): { release(): Promise<{ status: number; traceresponse: string | undefined }> } {
  const request = httpRequest(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } });
  const answer = new Promise<{ status: number; traceresponse: string | undefined }>((resolve, reject) => {
    request.once('response', (response) => {
      response.resume();
      response.once('end', () => {
        const header = response.headers.traceresponse;
        resolve({ status: response.statusCode ?? 0, traceresponse: typeof header === 'string' ? header : undefined });
      });
    });
    request.once('error', reject);
  });
  request.write('{"held":');
  return {
    release() {
      request.end('true}');
      return answer;
    },
  };
}
