import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { createTracedFetch, tracedFetch } from '../../lib/index.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import type { AuditedApp } from '../support/span-audit.js';
import { spanNamed, waitForSpans } from '../support/tracing-harness.js';

let server: Server;
let base: string;
before(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/fail')) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2', 'set-cookie': 'session=secret' });
      res.end(JSON.stringify({ error: { type: 'overloaded', message: 'try later', api_key: 'leaked-key' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'x-request-id': 'req_9', 'set-cookie': 'session=secret' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const audited = auditedAppPerTest();
let app: AuditedApp | undefined;

describe('the traced fetch outside a provider call', () => {
  it('one CLIENT span per request: URL without credentials or secrets, the SDK retry header as resend count, recorded headers only', async () => {
    app = await audited.boot({});
    const response = await tracedFetch(`${base}/v1beta/models?key=AIza-secret&api_key=k2&alt=sse`, { method: 'post', headers: { authorization: 'Bearer sk-live', 'x-stainless-retry-count': '2' }, body: '{}' });
    assert.equal(await response.text(), 'ok', 'the body is the caller\'s');
    // Credentials in a URL (fetch itself refuses them, other clients may not) are never recorded.
    const withCredentials = createTracedFetch(async () => new Response('ok'));
    await withCredentials(`http://user:pw@example.com:8443/v1?token=t1`);
    const other = spanNamed(app.spans(), 'GET');
    assert.equal(other.attributes['url.full'], 'http://example.com:8443/v1?token=REDACTED');
    assert.equal(other.attributes['server.address'], 'example.com');
    assert.equal(other.attributes['server.port'], 8443);
    const span = spanNamed(app.spans(), 'POST');
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.equal(span.attributes['url.full'], `${base}/v1beta/models?key=REDACTED&api_key=REDACTED&alt=sse`);
    assert.equal(span.attributes['http.request.resend_count'], 2);
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.deepEqual(span.attributes['http.response.header.x-request-id'], ['req_9']);
    const everything = JSON.stringify(span.attributes);
    assert.ok(!everything.includes('sk-live') && !everything.includes('secret') && !everything.includes('pw@'));
  });

  it('an error answer: ERROR with the status as error.type; its body only with content capture, redacted', async () => {
    app = await audited.boot({ tracing: { captureContent: true } });
    const fetchWith = createTracedFetch((input, init) => fetch(input, init));
    const response = await fetchWith(`${base}/fail`);
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), { error: { type: 'overloaded', message: 'try later', api_key: 'leaked-key' } }, 'the caller reads the whole body');
    // The attempt ends once its own copy of the error body has been read, which can be just after the caller's.
    const span = spanNamed(await waitForSpans(app.spans, (spans) => spans.length === 1), 'GET');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['error.type'], '503');
    assert.equal(span.attributes['provider.error.code'], 'overloaded');
    assert.deepEqual(span.attributes['http.response.header.retry-after'], ['2']);
    assert.deepEqual(JSON.parse(span.attributes['http.response.body'] as string), { error: { type: 'overloaded', message: 'try later', api_key: '[REDACTED]' } });
    assert.equal(span.attributes['http.response.header.set-cookie'], undefined);
  });

  it('tracing disabled: the base fetch, untouched', async () => {
    app = await audited.boot({ tracing: { enabled: false } });
    let called = 0;
    const fetchWith = createTracedFetch(async () => (called++, new Response('x')));
    assert.equal(await (await fetchWith(`${base}/`)).text(), 'x');
    assert.equal(called, 1);
    assert.equal(app.spans().length, 0);
  });
});
