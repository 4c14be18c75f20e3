import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { TracingModuleOptions } from '../../lib/index.js';
import { TraceNode, TraceProvider, TraceTool, TraceWorkflow } from '../../lib/index.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import type { AuditedApp } from '../support/span-audit.js';
import { spanNamed } from '../support/tracing-harness.js';

/** Looks like an `http.IncomingMessage`: an emitter with a socket, headers and a huge body of internals. */
class FakeRequest extends EventEmitter {
  readonly headers = { authorization: 'Bearer secret', host: 'example.com' };
  readonly socket = new EventEmitter();
  readonly internals = Array.from({ length: 10_000 }, (_, i) => ({ i }));
}

class Capturing {
  @TraceProvider({ provider: 'openai' })
  async complete(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    return { model: String(request.model), choices: [{ message: { content: 'answer' } }], session_token: 'tok-out' };
  }

  @TraceNode({ nodeType: 'forced', captureContent: true })
  forced(input: unknown): string {
    return `got ${typeof input}`;
  }

  @TraceTool({ name: 'private', captureContent: false })
  private(input: string): string {
    return input.toUpperCase();
  }

  @TraceWorkflow({ name: 'anything' })
  anything(...args: unknown[]): unknown {
    return args[0];
  }
}

/** Each test starts without TRACING_CAPTURE_CONTENT in the environment, so only the options decide. */
const audited = auditedAppPerTest();
let app: AuditedApp | undefined;

async function start(tracing: TracingModuleOptions = {}): Promise<Capturing> {
  app = await audited.boot({ tracing });
  return new Capturing();
}

const input = (span: ReadableSpan) => span.attributes['input.value'] as string | undefined;
const output = (span: ReadableSpan) => span.attributes['output.value'] as string | undefined;
const request = {
  model: 'gpt-4o',
  max_tokens: 256,
  messages: [{ role: 'user', content: 'hello' }],
  apiKey: 'sk-live',
  headers: { Authorization: 'Bearer abc', Cookie: 'sid=1' },
  password: 'hunter2',
  token: 't',
  client_secret: 's',
  ssn: '078-05-1120',
};

describe('content capture', () => {
  it('is off by default: no input.value / output.value', async () => {
    const capturing = await start();
    await capturing.complete(request);
    const span = spanNamed(app!.spans(), 'chat gpt-4o');
    assert.equal(input(span), undefined);
    assert.equal(output(span), undefined);
    assert.ok(!JSON.stringify(span.attributes).includes('sk-live'));
  });

  it('on: the request (not the argument list) and the result as JSON, secrets (and redactKeys) redacted, max_tokens kept', async () => {
    const capturing = await start({ captureContent: true, redactKeys: ['ssn'] });
    await capturing.complete(request);
    const span = spanNamed(app!.spans(), 'chat gpt-4o');
    assert.equal(span.attributes['input.mime_type'], 'application/json');
    assert.deepEqual(JSON.parse(input(span)!), {
      model: 'gpt-4o',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'hello' }],
      apiKey: '[REDACTED]',
      headers: { Authorization: '[REDACTED]', Cookie: '[REDACTED]' },
      password: '[REDACTED]',
      token: '[REDACTED]',
      client_secret: '[REDACTED]',
      ssn: '[REDACTED]',
    });
    assert.deepEqual(JSON.parse(output(span)!), {
      model: 'gpt-4o',
      choices: [{ message: { content: 'answer' } }],
      session_token: '[REDACTED]',
    });
  });

  it('redactDefaultKeys: false leaves only redactKeys redacted', async () => {
    const capturing = await start({ captureContent: true, redactKeys: ['ssn'], redactDefaultKeys: false });
    await capturing.complete(request);
    const captured = JSON.parse(input(spanNamed(app!.spans(), 'chat gpt-4o'))!) as Record<string, unknown>;
    assert.equal(captured.ssn, '[REDACTED]');
    assert.equal(captured.password, 'hunter2');
    assert.equal(captured.apiKey, 'sk-live');
  });

  it('per-decorator override wins over the module option, both ways', async () => {
    let capturing = await start();
    capturing.forced('x');
    assert.equal(input(spanNamed(app!.spans(), 'node forced')), '["x"]');
    assert.equal(output(spanNamed(app!.spans(), 'node forced')), '"got string"');
    await app!.close();

    capturing = await start({ captureContent: true });
    assert.equal(capturing.private('secret plan'), 'SECRET PLAN');
    const span = spanNamed(app!.spans(), 'execute_tool private');
    assert.equal(input(span), undefined);
    assert.equal(output(span), undefined);
  });

  it('huge inputs are truncated to maxContentLength', async () => {
    const capturing = await start({ captureContent: true, maxContentLength: 200 });
    const huge = { text: 'word '.repeat(100_000) };
    assert.equal(capturing.anything(huge), huge);
    const [span] = app!.spans();
    assert.equal(input(span!)!.length, 200);
    assert.ok(input(span!)!.endsWith('...[truncated]'));
    assert.equal(output(span!)!.length, 200);
  });

  it('circular, BigInt, Buffer, request-like emitters and throwing getters never break the call', async () => {
    const capturing = await start({ captureContent: true });
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const hostile = {
      get explode(): never {
        throw new Error('getter');
      },
      toJSON(): never {
        throw new Error('toJSON');
      },
    };
    const args = [circular, 10n ** 30n, Buffer.alloc(1024), new FakeRequest(), hostile];
    assert.equal(capturing.anything(...args), circular, 'same result object');
    const [span] = app!.spans();
    assert.deepEqual(JSON.parse(input(span!)!), [
      { name: 'loop', self: '[Circular]' },
      '1000000000000000000000000000000',
      '[Buffer 1024 bytes]',
      '[FakeRequest]',
      { explode: '[Throwing getter]', toJSON: '[Function toJSON]' },
    ]);
    assert.deepEqual(JSON.parse(output(span!)!), { name: 'loop', self: '[Circular]' });
  });
});
