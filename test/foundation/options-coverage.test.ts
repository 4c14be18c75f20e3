import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './fixtures/package-version.js';

/**
 * Every option and variable of the README's options table has a test of its effect (what reaches an exporter,
 * a receiver, the store, an HTTP or WebSocket client), not only of its parsing. This table says which test;
 * the checks below keep it honest: a new row in the README without an effect test, or a test renamed away,
 * fails here.
 */
const EFFECT_TESTS: Record<string, [file: string, title: string]> = {
  enabled: ['foundation/disabled.test.ts', 'enabled: false (OTLP exporter configured)'],
  TRACING_ENABLED: ['foundation/disabled.test.ts', 'TRACING_ENABLED=false from a .env file through ConfigService'],
  OTEL_SDK_DISABLED: ['foundation/disabled.test.ts', 'OTEL_SDK_DISABLED=true in process.env'],
  serviceName: ['foundation/module-paths.test.ts', 'takes explicit options over the environment'],
  OTEL_SERVICE_NAME: ['foundation/module-paths.test.ts', 'works with no argument and takes everything from process.env'],
  serviceVersion: ['foundation/module-paths.test.ts', 'takes explicit options over the environment'],
  resourceAttributes: ['foundation/module-paths.test.ts', 'takes explicit options over the environment'],
  OTEL_RESOURCE_ATTRIBUTES: ['foundation/exporter-settings.test.ts', 'service.name comes from OTEL_RESOURCE_ATTRIBUTES'],
  exporter: ['foundation/sdk-pipeline.test.ts', 'a SpanExporter instance receives every span through the batch processor'],
  TRACING_EXPORTER: ['foundation/exporter-settings.test.ts', 'TRACING_EXPORTER wins over OTEL_TRACES_EXPORTER'],
  OTEL_TRACES_EXPORTER: ['foundation/exporter-settings.test.ts', 'OTEL_TRACES_EXPORTER=none sends nothing to a configured endpoint'],
  'otlp.endpoint': ['foundation/otlp-export.test.ts', 'exports to otlp.endpoint with the resource, scope and OTEL_EXPORTER_OTLP_HEADERS'],
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: ['foundation/otlp-export.test.ts', 'exports to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT from process.env'],
  OTEL_EXPORTER_OTLP_ENDPOINT: ['foundation/otlp-export.test.ts', 'exports to OTEL_EXPORTER_OTLP_ENDPOINT read through ConfigService'],
  'otlp.headers': ['foundation/otlp-export.test.ts', 'exports to otlp.endpoint with the resource, scope and OTEL_EXPORTER_OTLP_HEADERS'],
  OTEL_EXPORTER_OTLP_HEADERS: ['foundation/otlp-export.test.ts', 'exports to OTEL_EXPORTER_OTLP_ENDPOINT read through ConfigService'],
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: ['foundation/exporter-settings.test.ts', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS adds to and overrides'],
  'otlp.protocol': ['foundation/otlp-export.test.ts', 'OTLP over HTTP, ${protocol}'],
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: ['foundation/exporter-settings.test.ts', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL wins over OTEL_EXPORTER_OTLP_PROTOCOL'],
  OTEL_EXPORTER_OTLP_PROTOCOL: ['foundation/otlp-export.test.ts', 'exports to OTEL_EXPORTER_OTLP_ENDPOINT read through ConfigService'],
  'otlp.timeoutMillis': ['foundation/shutdown.test.ts', 'otlp.timeoutMillis ends a request the collector never answers'],
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: ['foundation/shutdown.test.ts', "'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT'"],
  OTEL_EXPORTER_OTLP_TIMEOUT: ['foundation/shutdown.test.ts', "'OTEL_EXPORTER_OTLP_TIMEOUT'"],
  tracerProvider: ['foundation/module-paths.test.ts', 'uses the tracerProvider option without registering it globally or shutting it down'],
  sampleRate: ['foundation/sampling.test.ts', 'keeps about that fraction of new traces'],
  TRACING_SAMPLE_RATE: ['foundation/sampling.test.ts', 'TRACING_SAMPLE_RATE (read through ConfigService) does the same'],
  OTEL_TRACES_SAMPLER: ['foundation/sampling.test.ts', 'traceidratio decides on the trace id alone'],
  OTEL_TRACES_SAMPLER_ARG: ['foundation/sampling.test.ts', 'parentbased_traceidratio keeps the ratio for new traces'],
  captureContent: ['decorators/content-capture.test.ts', 'on: the request (not the argument list) and the result as JSON'],
  TRACING_CAPTURE_CONTENT: ['foundation/sdk-pipeline.test.ts', 'TRACING_CAPTURE_CONTENT records inputs'],
  maxContentLength: ['decorators/content-capture.test.ts', 'huge inputs are truncated to maxContentLength'],
  TRACING_MAX_CONTENT_LENGTH: ['foundation/sdk-pipeline.test.ts', 'TRACING_MAX_CONTENT_LENGTH truncates them'],
  redactKeys: ['decorators/content-capture.test.ts', 'secrets (and redactKeys) redacted'],
  costTracking: ['cost/provider-call.recorder.test.ts', 'keeps token attributes only: no price, no rollup, no report'],
  TRACING_COST_TRACKING: ['cost/cost-settings.test.ts', 'TRACING_COST_TRACKING=false keeps the tokens'],
  attributeValueLengthLimit: ['foundation/sdk-pipeline.test.ts', 'attributeValueLengthLimit truncates long attribute strings'],
  OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: ['foundation/sdk-pipeline.test.ts', 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT over it'],
  OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: ['foundation/sdk-pipeline.test.ts', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT, and'],
  'batch.maxQueueSize': ['foundation/batch-processor.test.ts', 'maxQueueSize: a stuck exporter keeps one full queue'],
  OTEL_BSP_MAX_QUEUE_SIZE: ['foundation/batch-processor.test.ts', "maxQueueSize: 'OTEL_BSP_MAX_QUEUE_SIZE'"],
  'batch.maxExportBatchSize': ['foundation/batch-processor.test.ts', 'maxExportBatchSize: no export carries more spans'],
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: ['foundation/batch-processor.test.ts', "maxExportBatchSize: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE'"],
  'batch.scheduledDelayMillis': ['foundation/batch-processor.test.ts', 'scheduledDelayMillis: spans wait that long (fake clock)'],
  OTEL_BSP_SCHEDULE_DELAY: ['foundation/batch-processor.test.ts', "scheduledDelayMillis: 'OTEL_BSP_SCHEDULE_DELAY'"],
  'batch.exportTimeoutMillis': ['foundation/batch-processor.test.ts', 'exportTimeoutMillis: an export never answered is given up'],
  OTEL_BSP_EXPORT_TIMEOUT: ['foundation/batch-processor.test.ts', "exportTimeoutMillis: 'OTEL_BSP_EXPORT_TIMEOUT'"],
  shutdownTimeoutMillis: ['foundation/shutdown.test.ts', 'a hanging exporter does not hang close past shutdownTimeoutMillis'],
  TRACING_SHUTDOWN_TIMEOUT: ['foundation/shutdown.test.ts', "it('TRACING_SHUTDOWN_TIMEOUT'"],
  'pricing.models': ['cost/provider-call.recorder.test.ts', 'reads usage from a result no built-in reader knows'],
  'pricing.file': ['cost/pricing-config.test.ts', 'prices exact and "/pattern/flags" entries; options win over the file'],
  TRACING_PRICING_FILE: ['cost/cost-settings.test.ts', 'TRACING_PRICING_FILE prices the calls from the file'],
  'pricing.deployments': ['cost/cost-settings.test.ts', 'pricing.deployments prices a deployment name as the model it runs'],
  'pricing.bundled': ['cost/cost-settings.test.ts', 'pricing.bundled=false leaves a model only the bundled table knows unpriced'],
  'http.enabled': ['interceptors/http-options.test.ts', 'with http.enabled=false traces only controllers that apply HttpTracingInterceptor'],
  TRACING_HTTP_ENABLED: ['interceptors/interceptor-registration.test.ts', "TRACING_HTTP_ENABLED' : 'TRACING_WEBSOCKET_ENABLED'"],
  'http.ignorePaths': ['interceptors/http-tracing.test.ts', 'does not trace ignored paths (string and RegExp)'],
  'http.userId': ['cost/cost.e2e.test.ts', 'reports cost grouped by user and by model'],
  'http.tenantId': ['interceptors/http-tracing.test.ts', 'attributes nested library spans to the user a guard authenticated and the tenant header'],
  'http.sessionId': ['interceptors/http-options.test.ts', 'answers normally when an attribution reader throws, and records what the others read'],
  'http.traceResponseHeader': ['interceptors/http-options.test.ts', 'sends no traceresponse header and records no url.query when turned off'],
  'http.captureQuery': ['interceptors/http-options.test.ts', 'sends no traceresponse header and records no url.query when turned off'],
  'websocket.enabled': ['interceptors/ws-emit-options.test.ts', 'sends emits untraced with websocket.enabled=false'],
  TRACING_WEBSOCKET_ENABLED: ['interceptors/interceptor-registration.test.ts', "TRACING_HTTP_ENABLED' : 'TRACING_WEBSOCKET_ENABLED'"],
  'websocket.ignoreEvents': ['interceptors/ws-tracing.test.ts', 'does not trace ignored events (string and RegExp)'],
  'websocket.attribution': ['interceptors/ws-tracing.test.ts', 'traces an inbound message: event, direction, size, client, job and session ids'],
  'websocket.payloadIds': ['interceptors/ws-tracing.test.ts', "reads them with the app's reader instead of the default fields"],
  'store.enabled': ['store/store-settings.test.ts', 'store.enabled: false keeps it off'],
  TRACING_STORE_ENABLED: ['store/store-settings.test.ts', 'TRACING_STORE_ENABLED=false keeps it off even with a path'],
  'store.path': ['store/store.e2e.test.ts', 'stores request traces, never traces the explorer, and keeps them across a restart'],
  TRACING_STORE_PATH: ['store/store-settings.test.ts', 'TRACING_STORE_PATH alone turns the store on'],
  'store.driver': ['store/postgres-settings.test.ts', "store.driver: 'postgres' with store.url writes to the database"],
  TRACING_STORE_DRIVER: ['store/postgres-settings.test.ts', 'TRACING_STORE_DRIVER=sqlite keeps the SQLite file whatever the URL'],
  'store.url': ['store/postgres-fleet.e2e.test.ts', 'every replica writes concurrently; any explorer lists every trace'],
  TRACING_STORE_URL: ['store/postgres-settings.test.ts', 'TRACING_STORE_URL alone puts the store on PostgreSQL'],
  'store.poolSize': ['store/postgres-settings.test.ts', "'store.poolSize: 1'"],
  TRACING_STORE_POOL_SIZE: ['store/postgres-settings.test.ts', "'TRACING_STORE_POOL_SIZE=1'"],
  'store.retentionDays': ['store/trace-store.test.ts', 'prunes traces older than retentionDays as they are written'],
  TRACING_STORE_RETENTION_DAYS: ['store/store-settings.test.ts', 'TRACING_STORE_RETENTION_DAYS drops older traces'],
  'store.maxTraces': ['store/trace-store.test.ts', 'keeps only the newest maxTraces, pruning at open'],
  TRACING_STORE_MAX_TRACES: ['store/store-settings.test.ts', 'TRACING_STORE_MAX_TRACES keeps the newest traces'],
  'store.maxQueueSize': ['store/store-settings.test.ts', "['store.maxQueueSize'"],
  'explorer.enabled': ['store/explorer.test.ts', 'mounts nothing'],
  TRACING_EXPLORER_ENABLED: ['store/store-settings.test.ts', 'TRACING_EXPLORER_ENABLED=true turns it back on'],
  'explorer.path': ['store/explorer.test.ts', "path: '/ops/traces/'"],
  TRACING_EXPLORER_PATH: ['store/store-settings.test.ts', 'TRACING_EXPLORER_PATH and TRACING_EXPLORER_TOKEN'],
  'explorer.token': ['store/explorer.test.ts', 'refuses API calls without the right bearer token'],
  TRACING_EXPLORER_TOKEN: ['store/store-settings.test.ts', 'TRACING_EXPLORER_PATH and TRACING_EXPLORER_TOKEN'],
  OTEL_SERVICE_VERSION: ['foundation/export-pipeline.test.ts', 'OTEL_SERVICE_VERSION fills service.version'],
  'spanLimits.attributeCountLimit': ['foundation/telemetry-settings.test.ts', 'spanLimits options cap each count'],
  'spanLimits.eventCountLimit': ['foundation/telemetry-settings.test.ts', 'spanLimits options cap each count'],
  'spanLimits.linkCountLimit': ['foundation/telemetry-settings.test.ts', 'spanLimits options cap each count'],
  'spanLimits.attributePerEventCountLimit': ['foundation/telemetry-settings.test.ts', 'spanLimits options cap each count'],
  'spanLimits.attributePerLinkCountLimit': ['foundation/telemetry-settings.test.ts', 'spanLimits options cap each count'],
  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: ['foundation/telemetry-settings.test.ts', 'OTEL_SPAN_*_COUNT_LIMIT, OTEL_EVENT_/OTEL_LINK_ATTRIBUTE_COUNT_LIMIT cap each count'],
  OTEL_SPAN_EVENT_COUNT_LIMIT: ['foundation/telemetry-settings.test.ts', 'OTEL_SPAN_*_COUNT_LIMIT, OTEL_EVENT_/OTEL_LINK_ATTRIBUTE_COUNT_LIMIT cap each count'],
  OTEL_SPAN_LINK_COUNT_LIMIT: ['foundation/telemetry-settings.test.ts', 'OTEL_SPAN_*_COUNT_LIMIT, OTEL_EVENT_/OTEL_LINK_ATTRIBUTE_COUNT_LIMIT cap each count'],
  OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: ['foundation/telemetry-settings.test.ts', 'OTEL_SPAN_*_COUNT_LIMIT, OTEL_EVENT_/OTEL_LINK_ATTRIBUTE_COUNT_LIMIT cap each count'],
  OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: ['foundation/telemetry-settings.test.ts', 'OTEL_SPAN_*_COUNT_LIMIT, OTEL_EVENT_/OTEL_LINK_ATTRIBUTE_COUNT_LIMIT cap each count'],
  OTEL_ATTRIBUTE_COUNT_LIMIT: ['foundation/telemetry-settings.test.ts', 'OTEL_ATTRIBUTE_COUNT_LIMIT caps every attribute count'],
  OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT: ['foundation/telemetry-settings.test.ts', 'the OTEL_SPAN_ATTRIBUTE_PER_*_COUNT_LIMIT names work too'],
  OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT: ['foundation/telemetry-settings.test.ts', 'the OTEL_SPAN_ATTRIBUTE_PER_*_COUNT_LIMIT names work too'],
  propagators: ['foundation/telemetry-settings.test.ts', 'the propagators option chooses the headers written'],
  OTEL_PROPAGATORS: ['foundation/telemetry-settings.test.ts', 'OTEL_PROPAGATORS through ConfigService does the same'],
  logLevel: ['foundation/telemetry-settings.test.ts', 'the logLevel option lets OpenTelemetry info lines through'],
  OTEL_LOG_LEVEL: ['foundation/pipeline-health.test.ts', 'go to the Nest logger at OTEL_LOG_LEVEL while the module owns the provider'],
  'health.logIntervalMillis': ['foundation/pipeline-health.test.ts', 'logs one warning, bounded summaries and one recovery line'],
  'metrics.exporter': ['foundation/telemetry-settings.test.ts', 'metrics options: exporter, endpoint, protocol, headers and export interval'],
  'metrics.endpoint': ['foundation/telemetry-settings.test.ts', 'metrics options: exporter, endpoint, protocol, headers and export interval'],
  'metrics.protocol': ['foundation/telemetry-settings.test.ts', 'metrics options: exporter, endpoint, protocol, headers and export interval'],
  'metrics.headers': ['foundation/telemetry-settings.test.ts', 'metrics options: exporter, endpoint, protocol, headers and export interval'],
  'metrics.exportIntervalMillis': ['foundation/telemetry-settings.test.ts', 'metrics options: exporter, endpoint, protocol, headers and export interval'],
  OTEL_METRICS_EXPORTER: ['foundation/telemetry-settings.test.ts', 'OTEL_METRICS_EXPORTER, OTEL_EXPORTER_OTLP_METRICS_HEADERS and OTEL_METRIC_EXPORT_INTERVAL'],
  OTEL_EXPORTER_OTLP_METRICS_HEADERS: ['foundation/telemetry-settings.test.ts', 'OTEL_METRICS_EXPORTER, OTEL_EXPORTER_OTLP_METRICS_HEADERS and OTEL_METRIC_EXPORT_INTERVAL'],
  OTEL_METRIC_EXPORT_INTERVAL: ['foundation/telemetry-settings.test.ts', 'OTEL_METRICS_EXPORTER, OTEL_EXPORTER_OTLP_METRICS_HEADERS and OTEL_METRIC_EXPORT_INTERVAL'],
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: ['foundation/operation-metrics.test.ts', 'HTTP and WebSocket handlers to a real OTLP receiver'],
  OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: ['foundation/operation-metrics.test.ts', 'HTTP and WebSocket handlers to a real OTLP receiver'],
  'propagation.attribution': ['propagation/context-carrier.test.ts', 'the attribution; the trace travels either way'],
  TRACING_PROPAGATE_ATTRIBUTION: ['propagation/context-carrier.test.ts', 'TRACING_PROPAGATE_ATTRIBUTION=send (through ConfigService)'],
  'microservices.enabled': ['microservices/microservice-edges.e2e.test.ts', "'microservices.enabled: false'"],
  TRACING_MICROSERVICES_ENABLED: ['microservices/microservice-edges.e2e.test.ts', 'TRACING_MICROSERVICES_ENABLED=false (through ConfigService)'],
  'events.enabled': ['events/event-listeners.test.ts', "'events.enabled: false'"],
  TRACING_EVENTS_ENABLED: ['events/event-listeners.test.ts', 'TRACING_EVENTS_ENABLED=false (through ConfigService)'],
  'events.ignoreEvents': ['events/event-listeners.test.ts', 'skips ignored events'],
  conventions: ['genai/backend-mappings.test.ts', 'Langfuse still types, prices and renders every span right'],
  TRACING_CONVENTIONS: ['foundation/telemetry-settings.test.ts', 'TRACING_CONVENTIONS (through ConfigService) chooses the vocabularies'],
  evaluators: ['evaluation/scores.test.ts', 'run after the provider span ends, off the request path'],
  'evaluation.timeoutMillis': ['evaluation/scores.test.ts', 'a throwing, a rejecting and a hanging evaluator never reach the request'],
  TRACING_EVALUATION_TIMEOUT: ['evaluation/scores.test.ts', 'TRACING_EVALUATION_TIMEOUT (through ConfigService)'],
  'evaluation.maxPending': ['evaluation/scores.test.ts', 'are bounded: past evaluation.maxPending spans are exported unevaluated'],
  TRACING_EVALUATION_MAX_PENDING: ['evaluation/scores.test.ts', 'TRACING_EVALUATION_MAX_PENDING (through ConfigService)'],
  'evaluation.concurrency': ['evaluation/scores.test.ts', 'evaluation.concurrency bounds the evaluations running at once'],
  TRACING_EVALUATION_CONCURRENCY: ['evaluation/scores.test.ts', 'TRACING_EVALUATION_CONCURRENCY (through ConfigService)'],
  redactDefaultKeys: ['decorators/content-capture.test.ts', 'redactDefaultKeys: false leaves only redactKeys redacted'],
  'http.trustRemoteSampling': ['cost/unsampled-cost.e2e.test.ts', 'samples by sampleRate instead of the client flag with http.trustRemoteSampling: false'],
  TRACING_HTTP_TRUST_REMOTE_SAMPLING: ['cost/unsampled-cost.e2e.test.ts', 'TRACING_HTTP_TRUST_REMOTE_SAMPLING=false (through ConfigService)'],
  'store.maxSpansPerTrace': ['store/hostile-load.test.ts', 'stores at most maxSpansPerTrace spans of that trace and counts the rest'],
  TRACING_STORE_MAX_SPANS_PER_TRACE: ['store/store-settings.test.ts', 'TRACING_STORE_MAX_SPANS_PER_TRACE keeps that many spans'],
  'store.maxSizeMb': ['store/hostile-load.test.ts', 'keeps the database under store.maxSizeMb'],
  TRACING_STORE_MAX_QUEUE_SIZE: ['store/store-settings.test.ts', "['TRACING_STORE_MAX_QUEUE_SIZE'"],
  'store.queryTimeoutMillis': ['store/explorer-access.test.ts', 'past store.queryTimeoutMillis'],
  TRACING_STORE_QUERY_TIMEOUT: ['store/store-settings.test.ts', 'TRACING_STORE_QUERY_TIMEOUT: a query past it answers 503'],
  'explorer.allowedHosts': ['store/explorer-access.test.ts', 'also answers those names (a domain and its subdomains), from loopback'],
  TRACING_EXPLORER_ALLOWED_HOSTS: ['store/store-settings.test.ts', 'TRACING_EXPLORER_ALLOWED_HOSTS: answers those Host names too'],
};

/**
 * Settings whose effect no test shows yet, each with what it would take. Kept short and explicit: a setting
 * leaves this list when its test exists (the checks below fail while it is on both).
 */
const NO_EFFECT_TEST_YET: Record<string, string> = {
  TRACING_HEALTH_LOG_INTERVAL:
    'the option (health.logIntervalMillis) is shown by pipeline-health; the variable needs the same outage scenario read through ConfigService',
  'metrics.exportTimeoutMillis':
    'periodic metric exports overlap, so a cut export is not visible from the collector; needs a counter of timed-out metric exports',
  OTEL_METRIC_EXPORT_TIMEOUT: 'as metrics.exportTimeoutMillis',
  TRACING_STORE_MAX_SIZE_MB:
    'the option (store.maxSizeMb) is shown by hostile-load, filling a database past its bound; the variable would need the same fill through ConfigService',
};

/** Option names and variables of the README's options table (`http.userId` / `tenantId` read as `http.tenantId`). */
function readmeSettings(): string[] {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  const start = readme.indexOf('### Options');
  assert.ok(start >= 0, 'the README has an options table');
  const table = readme.slice(start, readme.indexOf('\n#', start + 1));
  const names: string[] = [];
  for (const line of table.split('\n').filter((l) => l.startsWith('| `'))) {
    const [options = '', variables = ''] = line.split('|').slice(1).map((cell) => cell.trim());
    let prefix = '';
    for (const [, option] of options.matchAll(/`([^`]+)`/g)) {
      if (option!.includes('.')) prefix = option!.slice(0, option!.lastIndexOf('.') + 1);
      names.push(option!.includes('.') ? option! : `${prefix}${option}`);
    }
    for (const [, variable] of variables.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.push(variable!);
  }
  return names;
}

describe('every option and variable of the README is tested by its effect', () => {
  const settings = readmeSettings();

  it('reads the whole options table', () => {
    assert.ok(settings.length > 100, `only ${settings.length} settings read`);
    assert.ok(settings.includes('http.tenantId') && settings.includes('OTEL_BSP_EXPORT_TIMEOUT'), settings.join(', '));
  });

  it('names an effect test for each of them (or says why there is none yet)', () => {
    assert.deepEqual(
      settings.filter((name) => !(name in EFFECT_TESTS) && !(name in NO_EFFECT_TEST_YET)),
      [],
      'settings without an effect test in EFFECT_TESTS',
    );
    const listed = [...Object.keys(EFFECT_TESTS), ...Object.keys(NO_EFFECT_TEST_YET)];
    assert.deepEqual(listed.filter((name) => !settings.includes(name)), [], 'entries for settings the README no longer has');
    assert.deepEqual(Object.keys(NO_EFFECT_TEST_YET).filter((name) => name in EFFECT_TESTS), [], 'listed as untested and tested');
  });

  it('each named test exists', () => {
    const missing = Object.entries(EFFECT_TESTS).filter(([, [file, title]]) => !readFileSync(join(repoRoot(), 'test', file), 'utf8').includes(title));
    assert.deepEqual(missing.map(([name, [file, title]]) => `${name}: "${title}" in test/${file}`), []);
  });
});
