import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TracingModule, type OtlpProtocol } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import type { TracedApp } from '../support/tracing-harness.js';
import {
  decodeJsonExport,
  decodeProtobufExport,
  flattenSpans,
  type ExportedResourceSpans,
  type LocatedSpan,
} from './fixtures/otlp-decode.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedExport } from './fixtures/otlp-receiver.js';
import { packageVersion } from './fixtures/package-version.js';
import { RESEARCH_SPANS, ResearchModule, ResearchWorkload } from './fixtures/research.workload.js';

const PROTOCOLS: Array<{ protocol: OtlpProtocol; contentType: string; decode: (body: Buffer) => ExportedResourceSpans[] }> = [
  { protocol: 'http/json', contentType: 'application/json', decode: decodeJsonExport },
  { protocol: 'http/protobuf', contentType: 'application/x-protobuf', decode: decodeProtobufExport },
];

const SPAN_KIND_INTERNAL = 1;
const STATUS_CODE_ERROR = 2;

const apps = tracedAppPerTest({ listen: false });
let receiver: OtlpReceiver;

beforeEach(async () => {
  const started = await startOtlpReceiver();
  apps.cleanup(() => started.close());
  receiver = started;
});

function boot(tracingModule: DynamicModule, imports: DynamicModule[] = []): Promise<TracedApp> {
  return apps.boot({ tracingModule, imports: [ResearchModule, ...imports] });
}

/** Two research runs and one failing node, then a clean close (which flushes the batch processor). */
async function traceAndClose(traced: TracedApp): Promise<void> {
  const workload = traced.app.get(ResearchWorkload);
  await workload.run({ jobId: 'job-a', topic: 'otlp' });
  await workload.run({ jobId: 'job-b', topic: 'otlp' });
  assert.throws(() => workload.explode(), RangeError);
  await traced.close();
}

function decodeAll(received: ReceivedExport[], decode: (body: Buffer) => ExportedResourceSpans[]): LocatedSpan[] {
  return flattenSpans(received.map((r) => decode(r.body)));
}

function one(spans: LocatedSpan[], name: string, jobId?: string): LocatedSpan {
  const found = spans.filter((s) => s.name === name && (jobId === undefined || s.attributes['workflow.job_id'] === jobId));
  assert.equal(found.length, 1, `one "${name}"${jobId ? ` of ${jobId}` : ''}; got ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

/** The research spans as a backend sees them: names, tree, attributes, status, resource and scope. */
function assertExportedResearch(spans: LocatedSpan[], serviceName: string): void {
  assert.equal(spans.length, 7, 'two runs of three spans plus the failing node');
  for (const jobId of ['job-a', 'job-b']) {
    const workflow = one(spans, RESEARCH_SPANS.workflow, jobId);
    const retrieve = one(spans, RESEARCH_SPANS.retrieve, jobId);
    const summarize = one(spans, RESEARCH_SPANS.summarize, jobId);
    assert.equal(workflow.parentSpanId, '', 'workflow is a root span');
    assert.match(workflow.traceId, /^[0-9a-f]{32}$/);
    assert.match(workflow.spanId, /^[0-9a-f]{16}$/);
    for (const node of [retrieve, summarize]) {
      assert.equal(node.parentSpanId, workflow.spanId, `${node.name} under the workflow`);
      assert.equal(node.traceId, workflow.traceId);
      assert.equal(node.kind, SPAN_KIND_INTERNAL);
    }
    assert.equal(workflow.attributes['gen_ai.workflow.name'], 'research');
    assert.equal(workflow.attributes['workflow.status'], 'completed');
    assert.equal(retrieve.attributes['workflow.node.type'], 'retrieve');
    assert.equal(retrieve.attributes['workflow.node.id'], 'n1');
  }
  assert.notEqual(one(spans, RESEARCH_SPANS.workflow, 'job-a').traceId, one(spans, RESEARCH_SPANS.workflow, 'job-b').traceId);
  const failed = one(spans, 'node explode');
  assert.equal(failed.statusCode, STATUS_CODE_ERROR);
  assert.deepEqual(failed.events, ['exception']);
  assert.equal(failed.attributes['error.type'], 'RangeError');

  for (const span of spans) {
    assert.equal(span.resource['service.name'], serviceName);
    assert.equal(span.resource['telemetry.sdk.name'], 'opentelemetry');
    assert.equal(span.resource['telemetry.sdk.language'], 'nodejs');
    assert.equal(typeof span.resource['telemetry.sdk.version'], 'string');
    assert.deepEqual(span.scope, { name: 'nestjs-ai-tracing', version: packageVersion() });
  }
}

for (const { protocol, contentType, decode } of PROTOCOLS) {
  describe(`OTLP over HTTP, ${protocol}`, () => {
    it('exports to otlp.endpoint with the resource, scope and OTEL_EXPORTER_OTLP_HEADERS', async () => {
      apps.env({
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=e2e,service.namespace=ai',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=k3y%2Fvalue,x-tenant=acme',
      });
      const traced = await boot(
        TracingModule.forRoot({
          exporter: 'otlp',
          serviceName: 'otlp-e2e',
          serviceVersion: '2.0.0',
          otlp: { endpoint: receiver.tracesUrl, protocol, headers: { 'x-from-option': 'yes' } },
        }),
      );
      await traceAndClose(traced);

      assert.ok(receiver.received.length >= 1, 'the exporter posted at least once');
      for (const request of receiver.received) {
        assert.equal(request.method, 'POST');
        assert.equal(request.path, '/v1/traces');
        assert.equal(request.headers['content-type'], contentType);
        assert.equal(request.headers['x-api-key'], 'k3y/value');
        assert.equal(request.headers['x-tenant'], 'acme');
        assert.equal(request.headers['x-from-option'], 'yes');
      }
      const spans = decodeAll(receiver.received, decode);
      assertExportedResearch(spans, 'otlp-e2e');
      for (const span of spans) {
        assert.equal(span.resource['service.version'], '2.0.0');
        assert.equal(span.resource['deployment.environment'], 'e2e');
        assert.equal(span.resource['service.namespace'], 'ai');
      }
    });

    it('exports to OTEL_EXPORTER_OTLP_ENDPOINT read through ConfigService (otlp chosen by the endpoint)', async () => {
      const configModule = await ConfigModule.forRoot({
        ignoreEnvFile: true,
        isGlobal: true,
        load: [
          () => ({
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl,
            OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
            OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t0ken',
            OTEL_SERVICE_NAME: 'otlp-from-config',
            OTEL_RESOURCE_ATTRIBUTES: 'cloud.region=eu-west-1',
          }),
        ],
      });
      const traced = await boot(
        TracingModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: () => ({}) }),
        [configModule],
      );
      await traceAndClose(traced);

      assert.ok(receiver.received.length >= 1);
      for (const request of receiver.received) {
        assert.equal(request.path, '/v1/traces');
        assert.equal(request.headers['content-type'], contentType);
        assert.equal(request.headers.authorization, 'Bearer t0ken');
      }
      const spans = decodeAll(receiver.received, decode);
      assertExportedResearch(spans, 'otlp-from-config');
      assert.ok(spans.every((s) => s.resource['cloud.region'] === 'eu-west-1'));
    });

    it('exports to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT from process.env with forRoot()', async () => {
      apps.env({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_SERVICE_NAME: 'otlp-from-process-env',
      });
      await traceAndClose(await boot(TracingModule.forRoot()));
      assertExportedResearch(decodeAll(receiver.received, decode), 'otlp-from-process-env');
      for (const request of receiver.received) assert.equal(request.headers['content-type'], contentType);
    });
  });
}
