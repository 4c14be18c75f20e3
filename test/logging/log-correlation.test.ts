import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Controller, Get, Logger as NestLogger } from '@nestjs/common';
import { Logger, LoggerModule, PinoLogger } from 'nestjs-pino';
import { pino } from 'pino';
import { traceLogFields, TracingModule } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { spanNamed, waitForSpans } from '../support/tracing-harness.js';

const run = promisify(execFile);
const APP = fileURLToPath(new URL('./fixtures/console-logger.app.js', import.meta.url));

/** Runs the ConsoleLogger app; returns its stdout lines and the trace the request ran in. */
async function consoleLoggerRun(mode: 'text' | 'json'): Promise<{ lines: string[]; traceId: string; flags: string }> {
  const { stdout, stderr } = await run(process.execPath, [APP, mode], { env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 });
  const { traceresponse } = JSON.parse(stderr.trim().split('\n').at(-1)!) as { traceresponse: string };
  const [, traceId, , flags] = traceresponse.split('-');
  return { lines: stdout.trim().split('\n'), traceId: traceId!, flags: flags! };
}

describe("Nest's ConsoleLogger (TracingConsoleLogger)", () => {
  it('text mode: a line logged inside a traced request ends with its trace_id, span_id and trace_flags', async () => {
    const { lines, traceId, flags } = await consoleLoggerRun('text');
    const inRequest = lines.filter((l) => l.includes('listing orders'));
    assert.equal(inRequest.length, 1, lines.join('\n'));
    assert.match(inRequest[0]!, new RegExp(`\\[Orders\\] listing orders.* trace_id=${traceId} span_id=[0-9a-f]{16} trace_flags=${flags}$`));
    const outside = lines.find((l) => l.includes('outside any request'))!;
    assert.doesNotMatch(outside, /trace_id=/, 'lines outside a span are unchanged');
  });

  it('JSON mode: trace_id, span_id and trace_flags fields', async () => {
    const { lines, traceId, flags } = await consoleLoggerRun('json');
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const inRequest = records.filter((r) => r.message === 'listing orders');
    assert.equal(inRequest.length, 1);
    assert.equal(inRequest[0]!.trace_id, traceId);
    assert.match(String(inRequest[0]!.span_id), /^[0-9a-f]{16}$/);
    assert.equal(inRequest[0]!.trace_flags, flags);
    assert.equal(inRequest[0]!.context, 'Orders');
    const outside = records.find((r) => r.message === 'outside any request')!;
    assert.equal(outside.trace_id, undefined);
  });
});

/** A pino destination that keeps every JSON line written to it. */
class LineSink extends Writable {
  readonly records: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') this.records.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

@Controller('orders')
class PinoOrdersController {
  private readonly nestLogger = new NestLogger('Orders');
  constructor(private readonly pinoLogger: PinoLogger) {}

  @Get()
  list(): string[] {
    this.pinoLogger.info('listing orders with PinoLogger');
    this.nestLogger.log('listing orders with the Nest Logger');
    return [];
  }
}

const apps = tracedAppPerTest();

describe('pino', () => {
  it('nestjs-pino with mixin: traceLogFields: the request log lines carry the request trace', async () => {
    const sink = new LineSink();
    const app = await apps.boot({
      tracingModule: TracingModule.forRoot({ exporter: 'memory' }),
      imports: [LoggerModule.forRoot({ pinoHttp: [{ mixin: traceLogFields }, sink] })],
      controllers: [PinoOrdersController],
      configure: (a) => a.useLogger(a.get(Logger)),
    });
    const response = await fetch(`${app.url}/orders`);
    await response.text();
    const traceId = response.headers.get('traceresponse')!.split('-')[1];
    // The request span ends once its response is finished, which can be just after the client got it.
    const server = spanNamed(await waitForSpans(app.spans, (all) => all.some((s) => s.name === 'GET /orders')), 'GET /orders');
    assert.equal(server.spanContext().traceId, traceId);
    for (const message of ['listing orders with PinoLogger', 'listing orders with the Nest Logger']) {
      const record = sink.records.find((r) => r.msg === message);
      assert.ok(record, `"${message}" was logged: ${JSON.stringify(sink.records)}`);
      assert.equal(record.trace_id, traceId, message);
      assert.equal(record.span_id, server.spanContext().spanId, 'the handler runs in the request span');
      assert.equal(record.trace_flags, '01');
    }
  });

  it('plain pino: inside a span the fields are there, outside they are not', async () => {
    const app = await apps.boot({ listen: false });
    const sink = new LineSink();
    const logger = pino({ mixin: traceLogFields }, sink);
    const ids = app.tracing.withSpan('job', () => {
      logger.info('inside');
      return { traceId: app!.tracing.traceId(), spanId: app!.tracing.spanId() };
    });
    logger.info('outside');
    await new Promise((resolve) => setImmediate(resolve));
    const inside = sink.records.find((r) => r.msg === 'inside')!;
    assert.equal(inside.trace_id, ids.traceId);
    assert.equal(inside.span_id, ids.spanId);
    const outside = sink.records.find((r) => r.msg === 'outside')!;
    assert.equal('trace_id' in outside, false);
  });
});
