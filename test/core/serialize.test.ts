import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { secretKeyMatcher } from '../../lib/core/secret-keys.js';
import { safeStringify } from '../../lib/core/serialize.js';

const isSecret = secretKeyMatcher(['ssn']);
const json = (value: unknown, max = 4096) => safeStringify(value, max, isSecret);
const parsed = (value: unknown, max = 4096) => JSON.parse(json(value, max)) as unknown;

describe('safeStringify', () => {
  it('redacts secret-looking keys at any depth, keeps token counts', () => {
    const out = parsed({
      apiKey: 'sk-1',
      headers: { Authorization: 'Bearer x', 'x-api-key': 'k', cookie: 'c', 'Set-Cookie': 'c2' },
      user: { password: 'p', accessToken: 't', client_secret: 's', ssn: '123' },
      token: 'abc',
      max_tokens: 256,
      usage: { input_tokens: 9, output_tokens: 3 },
      model: 'gpt-4o',
    });
    assert.deepEqual(out, {
      apiKey: '[REDACTED]',
      headers: { Authorization: '[REDACTED]', 'x-api-key': '[REDACTED]', cookie: '[REDACTED]', 'Set-Cookie': '[REDACTED]' },
      user: { password: '[REDACTED]', accessToken: '[REDACTED]', client_secret: '[REDACTED]', ssn: '[REDACTED]' },
      token: '[REDACTED]',
      max_tokens: 256,
      usage: { input_tokens: 9, output_tokens: 3 },
      model: 'gpt-4o',
    });
  });

  it('does not even read a secret-looking property (a getter may decrypt or fetch it)', () => {
    let reads = 0;
    const config = {
      get apiKey(): string {
        reads += 1;
        return 'sk-live';
      },
    };
    assert.deepEqual(parsed(config), { apiKey: '[REDACTED]' });
    assert.equal(reads, 0);
  });

  it('redacts secret keys of Maps too', () => {
    assert.deepEqual(parsed(new Map<string, unknown>([['password', 'p'], ['name', 'n']])), { password: '[REDACTED]', name: 'n' });
  });

  it('survives circular references, BigInt, Buffers, symbols, functions, dates, errors', () => {
    const node: Record<string, unknown> = { name: 'root' };
    node.self = node;
    node.list = [node];
    const out = parsed({
      node,
      big: 12345678901234567890n,
      buf: Buffer.from('hello'),
      bytes: new Uint8Array(3),
      sym: Symbol('s'),
      fn: function named() {},
      when: new Date(0),
      bad: new Date(Number.NaN),
      error: new TypeError('nope'),
      pattern: /a+/g,
      set: new Set([1, 2]),
    });
    assert.deepEqual(out, {
      node: { name: 'root', self: '[Circular]', list: ['[Circular]'] },
      big: '12345678901234567890',
      buf: '[Buffer 5 bytes]',
      bytes: '[Uint8Array 3 bytes]',
      sym: 'Symbol(s)',
      fn: '[Function named]',
      when: '1970-01-01T00:00:00.000Z',
      bad: 'Invalid Date',
      error: { name: 'TypeError', message: 'nope' },
      pattern: '/a+/g',
      set: [1, 2],
    });
  });

  it('repeats a shared (non-circular) object instead of calling it circular', () => {
    const shared = { id: 1 };
    assert.deepEqual(parsed({ a: shared, b: shared }), { a: { id: 1 }, b: { id: 1 } });
  });

  it('names streams, sockets and HTTP requests instead of walking them', () => {
    const request = new IncomingMessage(new Socket());
    assert.deepEqual(parsed({ request, emitter: new EventEmitter() }), { request: '[IncomingMessage]', emitter: '[EventEmitter]' });
  });

  it('walks class instances by their own fields', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      get length(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    assert.deepEqual(parsed(new Point(3, 4)), { x: 3, y: 4 });
  });

  it('a throwing getter or proxy trap costs only its own value', () => {
    const value = {
      ok: 1,
      get broken(): never {
        throw new Error('getter');
      },
      trap: new Proxy(
        {},
        {
          ownKeys() {
            throw new Error('trap');
          },
        },
      ),
    };
    assert.deepEqual(parsed(value), { ok: 1, broken: '[Throwing getter]', trap: '[Unserializable]' });
  });

  it('never exceeds maxLength and marks the cut', () => {
    const out = json({ text: 'x'.repeat(10_000) }, 100);
    assert.equal(out.length, 100);
    assert.ok(out.endsWith('...[truncated]'));
    assert.ok(out.startsWith('{"text":"xxxx'));
  });

  it('does not truncate what fits', () => {
    const out = json({ text: 'x'.repeat(50) }, 100);
    assert.deepEqual(JSON.parse(out), { text: 'x'.repeat(50) });
  });

  it('never splits a surrogate pair at the cut', () => {
    for (let max = 40; max < 60; max++) {
      const out = json({ text: '😀'.repeat(100) }, max);
      assert.ok(out.length <= max);
      assert.doesNotMatch(out, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/, `well-formed at ${max}`);
    }
  });

  it('huge, wide and deep inputs: work bounded by maxLength, result truncated', () => {
    // Shared (not circular) rows: 200^4 = 1.6 billion leaves to visit without a bound on the work.
    const row = Array.from({ length: 200 }, (_, i) => `value ${i}`);
    const table = Array.from({ length: 200 }, () => row);
    const cube = Array.from({ length: 200 }, () => table);
    const wide = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`key${i}`, cube]));
    const out = json({ wide }, 1000);
    assert.equal(out.length, 1000);
    assert.ok(out.endsWith('...[truncated]'));
  });

  it('deep nesting stops at a depth marker', () => {
    let deep: Record<string, unknown> = { end: true };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    assert.match(json(deep), /\[MaxDepth\]/);
  });

  it('top-level values of any type', () => {
    assert.equal(json(undefined), 'undefined');
    assert.equal(json('text'), '"text"');
    assert.equal(json(42), '42');
    assert.equal(json(null), 'null');
    assert.equal(json(10n), '"10"');
  });
});
