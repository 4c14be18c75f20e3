import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { diag } from '@opentelemetry/api';
import { TracingHealthIndicator, TracingModule, type TracingHealth, type TracingModuleOptions } from '../../lib/index.js';
import { CapturedLog } from '../support/captured-log.js';
import { RecordingExporter } from '../support/recording-exporter.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { flushEndedSpans, type TracedApp } from '../support/tracing-harness.js';
import { waitFor } from '../support/waits.js';
import { closedPortUrl, startOtlpReceiver } from './fixtures/otlp-receiver.js';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly tracing: TracingHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.tracing.isHealthy('tracing')]);
  }
}

const apps = tracedAppPerTest();

function boot(options: TracingModuleOptions, log: CapturedLog): Promise<TracedApp> {
  return apps.boot({
    tracingModule: TracingModule.forRoot(options),
    imports: [TerminusModule],
    controllers: [HealthController],
    configure: (a) => a.useLogger(log),
  });
}

/** Polls `condition` until it holds (the kit's `waitFor`, 10 s). */
async function until(what: string, condition: () => boolean): Promise<void> {
  await waitFor(what, () => (condition() ? true : undefined), { timeoutMs: 10_000 });
}

function burst(traced: TracedApp, count: number, name: string): void {
  for (let i = 0; i < count; i++) traced.tracing.withSpan(`${name} ${i}`, () => undefined);
}

/** For every exporter: started = exported + dropped + failed + queued + exporting + still open. */
function assertCountersAddUp(health: TracingHealth): void {
  const spans = health.spans!;
  assert.equal(spans.started, spans.ended + spans.open);
  for (const e of health.exporters) {
    assert.equal(
      spans.started,
      e.exported + e.dropped + e.failed + e.queued + e.exporting + spans.open,
      `${e.name}: ${JSON.stringify({ ...spans, ...e })}`,
    );
  }
}

async function getHealth(traced: TracedApp): Promise<{ code: number; body: { status: string; details: { tracing: { status: string; tracing: string } } } }> {
  const response = await fetch(`${traced.url}/health`);
  return { code: response.status, body: (await response.json()) as never };
}

describe('an OTLP backend that fails and comes back', () => {
  it('logs one warning, bounded summaries and one recovery line; health and terminus say degraded; the counters add up', async () => {
    const receiver = await startOtlpReceiver();
    apps.cleanup(() => receiver.close());
    const log = new CapturedLog();
    const traced = await boot(
      {
        exporter: 'otlp',
        otlp: { endpoint: receiver.tracesUrl, protocol: 'http/json' },
        batch: { maxQueueSize: 10, maxExportBatchSize: 5, scheduledDelayMillis: 5 },
        health: { logIntervalMillis: 150 },
      },
      log,
    );
    const otlp = () => traced.tracing.health().exporters[0]!;

    burst(traced, 3, 'healthy');
    await until('the first spans exported', () => otlp().exported === 3);
    let answer = await getHealth(traced);
    assert.equal(answer.code, 200);
    assert.equal(answer.body.status, 'ok');
    assert.equal(answer.body.details.tracing.status, 'up');

    // The backend goes down: a burst overflows the queue (dropped), the rest is lost in failed exports.
    receiver.setMode('fail');
    const outageStart = Date.now();
    burst(traced, 40, 'outage');
    await until('the exporter failing with an empty queue', () => otlp().status === 'failing' && otlp().queued + otlp().exporting === 0);
    // More traffic while it lasts, until a summary has been written.
    await until('a summary line', () => {
      burst(traced, 2, 'still down');
      return log.matching(/spans lost in failed exports and \d+ dropped/).length > 0;
    });
    await until('the queue drained', () => otlp().queued + otlp().exporting === 0);
    const during = traced.tracing.health();
    assert.equal(during.status, 'degraded');
    assert.match(during.reasons[0] ?? '', /^exporter otlp is failing: /);
    assert.ok(otlp().dropped >= 30, `spans dropped at the full queue: ${otlp().dropped}`);
    assert.ok(otlp().failed >= 10, `spans lost in failed exports: ${otlp().failed}`);
    assert.ok(otlp().lastErrorAt !== undefined && otlp().lastError !== undefined);
    assertCountersAddUp(during);
    answer = await getHealth(traced);
    assert.equal(answer.code, 200, 'degraded, not down: the app keeps serving');
    assert.equal(answer.body.status, 'degraded');
    assert.equal(answer.body.details.tracing.status, 'degraded');

    // The backend is back.
    receiver.setMode('ok');
    const exportedBefore = otlp().exported;
    burst(traced, 3, 'recovered');
    // (GET /health is traced too: count at least the three new spans.)
    await until('exports succeed again', () => otlp().status === 'ok' && otlp().exported >= exportedBefore + 3);
    await until('the recovery line', () => log.matching(/works again after/).length > 0);
    const outageMillis = Date.now() - outageStart;
    assert.equal(traced.tracing.health().status, 'ready');
    answer = await getHealth(traced);
    assert.equal(answer.body.status, 'ok');

    const failing = log.matching(/exporting spans to otlp \(http:\/\/127\.0\.0\.1:\d+\/v1\/traces\) is failing: /);
    assert.equal(failing.length, 1, 'one failure warning');
    assert.equal(failing[0]!.level, 'warn');
    const summaries = log.matching(/spans lost in failed exports and \d+ dropped/);
    assert.ok(summaries.length <= Math.ceil(outageMillis / 150) + 1, `at most one summary per interval (${summaries.length} in ${outageMillis} ms)`);
    const recovered = log.matching(/works again after/);
    assert.equal(recovered.length, 1, 'one recovery line');
    await flushEndedSpans(traced.tracing);
    const final = traced.tracing.health();
    const lost = otlp().failed + otlp().dropped;
    assert.match(recovered[0]!.message, new RegExp(`; ${lost} spans were lost meanwhile \\(${otlp().failed} in failed exports, ${otlp().dropped} dropped`));
    const tracingLines = log.lines.filter((l) => l.message.startsWith('nestjs-ai-tracing: '));
    assert.ok(tracingLines.length <= summaries.length + 3, `no line per span: ${tracingLines.map((l) => l.message).join(' | ')}`);
    assert.equal(final.spans!.open, 0);
    assertCountersAddUp(final);
    assert.equal(otlp().queued + otlp().exporting, 0);
    assert.equal(final.spans!.started, otlp().exported + otlp().dropped + otlp().failed, 'started = exported + dropped + failed');
  });

  it('a refused connection names the endpoint without its credentials', async () => {
    const log = new CapturedLog();
    const url = new URL(await closedPortUrl());
    url.username = 'user';
    url.password = 'hunter2';
    url.search = '?api_key=k3y';
    const traced = await boot({ exporter: 'otlp', otlp: { endpoint: url.toString(), timeoutMillis: 200 }, batch: { scheduledDelayMillis: 5 } }, log);
    burst(traced, 2, 'refused');
    await traced.tracing.forceFlush();
    const health = traced.tracing.health();
    assert.equal(health.exporters[0]!.status, 'failing');
    assert.equal(health.exporters[0]!.endpoint, `http://127.0.0.1:${url.port}/v1/traces`);
    await until('the failure warning', () => log.matching(/is failing/).length === 1);
    const everything = JSON.stringify(health) + log.lines.map((l) => l.message).join('\n');
    assert.doesNotMatch(everything, /hunter2|k3y/);
    assertCountersAddUp(health);
  });
});

describe('health without an exporter pipeline of our own', () => {
  it('reports the store and the provider origin; disabled tracing is "disabled"', async () => {
    const log = new CapturedLog();
    const traced = await boot({ exporter: 'none', store: { enabled: true, path: ':memory:' } }, log);
    traced.tracing.withSpan('stored', () => undefined);
    const health = traced.tracing.health();
    assert.equal(health.status, 'ready');
    assert.equal(health.provider, 'created');
    assert.deepEqual(health.exporters, []);
    assert.equal(health.store?.backend, 'sqlite');
    assert.equal(health.store?.available, true);
    const stats = (await (await fetch(`${traced.url}/_tracing/api/stats`)).json()) as { health: TracingHealth };
    assert.equal(stats.health.status, 'ready', 'the explorer shows the same health');
    assert.equal(stats.health.store?.backend, 'sqlite');
    await traced.close();

    const off = await boot({ enabled: false }, log);
    assert.equal(off.tracing.health().status, 'disabled');
    assert.equal((await getHealth(off)).body.details.tracing.status, 'up');
  });
});

describe('a span that ends after close', () => {
  it('is dropped and counted, never handed to the exporter (control: one that ends before close is exported)', async () => {
    const exporter = new RecordingExporter();
    const traced = await boot({ exporter, batch: { scheduledDelayMillis: 1 } }, new CapturedLog());
    traced.tracing.withSpan('ends before close', () => undefined);
    let release!: () => void;
    const outliving = traced.tracing.withSpan('ends after close', () => new Promise<void>((resolve) => (release = resolve)));
    await traced.close();
    release();
    await outliving;

    const health = traced.tracing.health();
    const e = health.exporters[0]!;
    assert.deepEqual(exporter.exported.map((s) => s.name), ['ends before close'], 'the span that ended before close was flushed at close');
    assert.deepEqual({ exported: e.exported, dropped: e.dropped, queued: e.queued, exporting: e.exporting }, { exported: 1, dropped: 1, queued: 0, exporting: 0 });
    assertCountersAddUp(health);
  });
});

describe('OpenTelemetry diagnostics', () => {
  it('go to the Nest logger at OTEL_LOG_LEVEL while the module owns the provider, and stop with it', async () => {
    apps.env({ OTEL_LOG_LEVEL: 'info' });
    const log = new CapturedLog();
    const traced = await boot({ exporter: 'none' }, log);
    diag.info('diag probe: info');
    diag.debug('diag probe: debug');
    assert.deepEqual(log.matching(/diag probe/).map((l) => [l.level, l.message]), [['log', 'diag probe: info']]);
    await traced.close();
    diag.warn('diag probe: after close');
    assert.equal(log.matching(/after close/).length, 0, 'the logger is released with the app');
  });

  it('a bad OTEL_LOG_LEVEL fails bootstrap', async () => {
    apps.env({ OTEL_LOG_LEVEL: 'loud' });
    await assert.rejects(
      boot({ exporter: 'none' }, new CapturedLog()),
      new RegExp('invalid environment variable OTEL_LOG_LEVEL="loud": expected one of "none", "error", "warn", "info", "debug", "verbose", "all"'),
    );
  });
});
