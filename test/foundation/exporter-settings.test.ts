import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { TracingModuleOptions } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { configuredBy } from '../support/config-service.js';
import type { TracedApp, TracedAppOptions } from '../support/tracing-harness.js';
import { decodeJsonExport, decodeProtobufExport, flattenSpans, type LocatedSpan } from './fixtures/otlp-decode.js';
import { startOtlpReceiver, type OtlpReceiver } from './fixtures/otlp-receiver.js';
import { RESEARCH_SPANS, ResearchModule, ResearchWorkload } from './fixtures/research.workload.js';

/**
 * Exporter and resource variables shown by what reaches a real OTLP receiver (or the console), read through
 * ConfigService only: the OTLP exporter reads several `OTEL_EXPORTER_OTLP_*` names from `process.env` on its own,
 * which would hide a variable the module dropped.
 */
const apps = tracedAppPerTest({ imports: [ResearchModule], listen: false });
let receiver: OtlpReceiver;

beforeEach(async () => {
  const started = await startOtlpReceiver();
  apps.cleanup(() => started.close());
  receiver = started;
});

async function boot(variables: Record<string, string>, options: TracingModuleOptions = {}): Promise<TracedApp> {
  const { tracingModule, imports } = await configuredBy(variables, options);
  return apps.boot({ tracingModule, imports: [ResearchModule, ...imports] } satisfies TracedAppOptions);
}

/** One research run, then a close (which flushes): what the receiver got, decoded. */
async function runAndClose(app: TracedApp, decode = decodeProtobufExport): Promise<LocatedSpan[]> {
  await app.app.get(ResearchWorkload).run({ jobId: 'job-1', topic: 'exporters' });
  await app.close();
  return flattenSpans(receiver.received.map((r) => decode(r.body)));
}

const RUN = [RESEARCH_SPANS.workflow, RESEARCH_SPANS.retrieve, RESEARCH_SPANS.summarize].sort();

describe('OTLP variables, through ConfigService', () => {
  it('OTEL_EXPORTER_OTLP_TRACES_HEADERS adds to and overrides OTEL_EXPORTER_OTLP_HEADERS per key', async () => {
    const app = await boot({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=ai,x-api-key=k1',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=tracing,x-traces-only=yes',
    });
    assert.deepEqual((await runAndClose(app)).map((s) => s.name).sort(), RUN);
    for (const request of receiver.received) {
      assert.equal(request.headers['x-team'], 'tracing');
      assert.equal(request.headers['x-api-key'], 'k1');
      assert.equal(request.headers['x-traces-only'], 'yes');
    }
  });

  it('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL wins over OTEL_EXPORTER_OTLP_PROTOCOL', async () => {
    const app = await boot({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    });
    assert.deepEqual((await runAndClose(app, decodeJsonExport)).map((s) => s.name).sort(), RUN);
    assert.deepEqual([...new Set(receiver.received.map((r) => r.headers['content-type']))], ['application/json']);
  });
});

describe('which exporter, through ConfigService', () => {
  it('OTEL_TRACES_EXPORTER=none sends nothing to a configured endpoint (control: the endpoint alone does)', async () => {
    assert.deepEqual((await runAndClose(await boot({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl }))).map((s) => s.name).sort(), RUN);
    receiver.received.splice(0);
    const app = await boot({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl, OTEL_TRACES_EXPORTER: 'none' });
    assert.deepEqual(await runAndClose(app), []);
  });

  it('OTEL_TRACES_EXPORTER=console prints the spans instead of exporting them', async () => {
    const printed: unknown[] = [];
    const dir = console.dir;
    console.dir = (item: unknown) => void printed.push(item);
    apps.defer(() => (console.dir = dir));
    const app = await boot({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl, OTEL_TRACES_EXPORTER: 'console' });
    assert.deepEqual(await runAndClose(app), [], 'nothing posted');
    console.dir = dir;
    assert.deepEqual(printed.map((p) => (p as { name?: unknown }).name).sort(), RUN);
  });

  it('TRACING_EXPORTER wins over OTEL_TRACES_EXPORTER', async () => {
    const app = await boot({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl, OTEL_TRACES_EXPORTER: 'none', TRACING_EXPORTER: 'otlp' });
    assert.deepEqual((await runAndClose(app)).map((s) => s.name).sort(), RUN);
  });
});

describe('resource, through ConfigService', () => {
  it('service.name comes from OTEL_RESOURCE_ATTRIBUTES when OTEL_SERVICE_NAME is unset, and loses to it', async () => {
    const fromAttributes = await runAndClose(
      await boot({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl, OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,team=ml' }),
    );
    assert.deepEqual([...new Set(fromAttributes.map((s) => `${String(s.resource['service.name'])}/${String(s.resource['team'])}`))], ['from-attributes/ml']);
    receiver.received.splice(0);
    const named = await runAndClose(
      await boot({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl, OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes', OTEL_SERVICE_NAME: 'named' }),
    );
    assert.deepEqual([...new Set(named.map((s) => s.resource['service.name']))], ['named']);
  });
});
