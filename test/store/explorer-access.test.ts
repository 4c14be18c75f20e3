import 'reflect-metadata';
import { Controller, Get } from '@nestjs/common';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { explorerForbidden, explorerHostNotAllowed, explorerUnauthorized } from '../../lib/tracing.messages.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { httpGet as get } from '../support/http.js';
import { PLATFORMS, waitForSpans } from '../support/tracing-harness.js';
import { createResearchWorkflow } from './fixtures/demo-workflow.js';
import { startExplorerApp, type ExplorerApp } from './support/explorer-app.js';
import { openTracedStore, tempDir } from './support/store-harness.js';

/** An address of this machine that is not loopback, to be a client the explorer does not know; none on some hosts. */
const LAN_ADDRESS = Object.values(networkInterfaces())
  .flat()
  .find((i) => i?.family === 'IPv4' && !i.internal)?.address;

async function seed(path: string): Promise<void> {
  const traced = openTracedStore(path);
  await traced.as({ userId: 'alice' }, () => createResearchWorkflow().run());
  await traced.flush();
  await traced.close();
}

for (const platform of PLATFORMS) {
  describe(`explorer access on ${platform}`, () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'traces.db');

    before(() => seed(path));
    after(() => tmp.remove());

    describe('without a token: this machine only', () => {
      let app: ExplorerApp;
      let port: string;

      before(async () => {
        app = await startExplorerApp(platform, path, {}, { host: '0.0.0.0' });
        port = new URL(app.url).port;
      });
      after(() => app.close());

      it('answers loopback clients that name localhost, 127.0.0.1 or [::1], with any port', async () => {
        for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST', 'localhost:1']) {
          assert.equal((await get(`${app.url}/_tracing/api/stats`, { host })).status, 200, host);
        }
        assert.equal((await get(`${app.url}/_tracing`, { host: `localhost:${port}` })).status, 200);
      });

      it('refuses any other Host with 403, page and API (DNS rebinding)', async () => {
        for (const host of [`attacker.example:${port}`, 'localhost.attacker.example', '127.0.0.1.nip.io', `192.0.2.1:${port}`]) {
          const api = await get(`${app.url}/_tracing/api/traces`, { host });
          assert.equal(api.status, 403, host);
          assert.deepEqual(api.json(), { error: explorerHostNotAllowed() });
        }
        const page = await get(`${app.url}/_tracing`, { host: 'attacker.example' });
        assert.equal(page.status, 403);
        assert.match(page.body, /Explorer not available here/);
        assert.doesNotMatch(page.body, /invoke_workflow|alice/);
      });

      it('refuses a loopback client that relays for someone else (a reverse proxy on this machine)', async () => {
        for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
          const res = await get(`${app.url}/_tracing/api/traces`, { host: 'localhost', headers: { [header]: '203.0.113.9' } });
          assert.equal(res.status, 403, header);
          assert.deepEqual(res.json(), { error: explorerForbidden() });
        }
      });

      it('refuses a client of another address, whatever Host it sends', { skip: LAN_ADDRESS ? false : 'no non-loopback interface' }, async () => {
        const res = await get(`${app.url}/_tracing/api/traces`, { connectTo: LAN_ADDRESS, host: 'localhost' });
        assert.equal(res.status, 403);
        assert.deepEqual(res.json(), { error: explorerForbidden() });
        assert.equal((await get(`${app.url}/_tracing`, { connectTo: LAN_ADDRESS, host: 'localhost' })).status, 403);
      });
    });

    describe('with allowedHosts', () => {
      let app: ExplorerApp;

      before(async () => {
        app = await startExplorerApp(platform, path, { allowedHosts: ['myapp.test', '.example.com'] });
      });
      after(() => app.close());

      it('also answers those names (a domain and its subdomains), from loopback', async () => {
        for (const host of ['myapp.test:3000', 'example.com', 'api.example.com:8080', 'localhost']) {
          assert.equal((await get(`${app.url}/_tracing/api/stats`, { host })).status, 200, host);
        }
        for (const host of ['example.org', 'notexample.com', 'myapp.test.evil']) {
          assert.equal((await get(`${app.url}/_tracing/api/stats`, { host })).status, 403, host);
        }
      });
    });

    describe('with a token: any client that presents it', () => {
      const token = 'tok-9f2';
      let app: ExplorerApp;

      before(async () => {
        app = await startExplorerApp(platform, path, { token }, { host: '0.0.0.0' });
      });
      after(() => app.close());

      it('answers any client and any Host with the token, 401 without', async () => {
        const from = LAN_ADDRESS ?? '127.0.0.1';
        const bearer = { authorization: `Bearer ${token}` };
        assert.equal((await get(`${app.url}/_tracing/api/traces`, { connectTo: from, host: 'traces.corp.example', headers: bearer })).status, 200);
        const refused = await get(`${app.url}/_tracing/api/traces`, { connectTo: from, host: 'traces.corp.example' });
        assert.equal(refused.status, 401);
        assert.deepEqual(refused.json(), { error: explorerUnauthorized() });
        assert.equal((await get(`${app.url}/_tracing/api/traces`, { headers: { ...bearer, 'x-forwarded-for': '203.0.113.9' } })).status, 200);
      });
    });

    describe('with a token and allowedHosts', () => {
      let app: ExplorerApp;

      before(async () => {
        app = await startExplorerApp(platform, path, { token: 't', allowedHosts: ['traces.corp.example'] });
      });
      after(() => app.close());

      it('checks the Host as well', async () => {
        const bearer = { authorization: 'Bearer t' };
        assert.equal((await get(`${app.url}/_tracing/api/stats`, { host: 'traces.corp.example', headers: bearer })).status, 200);
        assert.equal((await get(`${app.url}/_tracing/api/stats`, { host: 'other.example', headers: bearer })).status, 403);
      });
    });

    describe('bounded answers', () => {
      let app: ExplorerApp;

      before(async () => {
        app = await startExplorerApp(platform, path);
      });
      after(() => app.close());

      it('refuses __proto__ and constructor like any unknown parameter, and a NUL in a filter', async () => {
        for (const query of ['__proto__=1', '__proto__[x]=1', 'constructor=1', 'toString=1']) {
          const res = await get(`${app.url}/_tracing/api/traces?${query}`);
          assert.equal(res.status, 400, query);
          assert.match(res.json().error!, /^nestjs-ai-tracing: invalid query parameter/);
        }
        for (const query of ['name=%00', 'user=a%00b', 'name=%1B']) {
          const res = await get(`${app.url}/_tracing/api/traces?${query}`);
          assert.equal(res.status, 400, query);
          assert.match(res.json().error!, /without control characters/);
        }
        assert.equal((await get(`${app.url}/_tracing/api/cost?__proto__=1`)).status, 400);
      });

      it('pages the trace endpoint and refuses pages past the bound', async () => {
        const list = JSON.parse((await get(`${app.url}/_tracing/api/traces`)).body) as { traces: Array<{ traceId: string }> };
        const id = list.traces[0]!.traceId;
        const page = JSON.parse((await get(`${app.url}/_tracing/api/traces/${id}?limit=3`)).body) as { page: unknown; parallelGroups: unknown[] };
        assert.deepEqual(page.page, { offset: 0, shown: 3, stored: 8, total: 8, nextOffset: 3 });
        assert.ok(Array.isArray(page.parallelGroups));
        assert.equal((await get(`${app.url}/_tracing/api/traces/${id}?limit=5000`)).status, 400);
        assert.equal((await get(`${app.url}/_tracing/api/traces/${id}/parallel?offset=3`)).status, 200);
      });
    });

    describe('past store.queryTimeoutMillis', () => {
      let app: ExplorerApp;

      before(async () => {
        app = await startExplorerApp(platform, path, {}, { store: { queryTimeoutMillis: 1 } });
      });
      after(() => app.close());

      it('answers 503 with the reason and Retry-After', async () => {
        const res = await fetch(`${app.url}/_tracing/api/slowest`);
        assert.equal(res.status, 503);
        assert.equal(res.headers.get('retry-after'), '5');
        assert.match(((await res.json()) as { error: string }).error, /took longer than 1 ms/);
      });
    });
  });
}

@Controller('items')
class ItemsController {
  @Get()
  list(): string[] {
    return [];
  }
}

describe('explorer in a traced app', () => {
  const tmp = tempDir();
  const apps = tracedAppPerTest({ controllers: [ItemsController] });
  after(() => tmp.cleanup());

  for (const nodeEnv of ['Production', ' production', 'prod', 'staging']) {
    it(`is not served with NODE_ENV=${JSON.stringify(nodeEnv)}`, async () => {
      apps.env({ NODE_ENV: nodeEnv });
      const traced = await apps.boot({ tracing: { store: { path: join(tmp.dir, `${nodeEnv.trim()}.db`) } } });
      assert.equal((await fetch(`${traced.url}/_tracing`)).status, 404);
      assert.equal((await fetch(`${traced.url}/_tracing/api/traces`)).status, 404);
    });
  }

  for (const platform of PLATFORMS) {
    it(`never traces its own requests, whatever their spelling (${platform})`, async () => {
      const traced = await apps.boot({ platform, tracing: { store: { path: join(tmp.dir, `${platform}.db`) } } });
      const statuses: Record<string, number> = {};
      for (const target of ['/_tracing/api/stats', '/_TRACING/api/stats', '/_tracing/api/stats/', '/_Tracing', '/_tracing/%61pi/stats']) {
        statuses[target] = (await get(`${traced.url}${target}`)).status;
      }
      assert.equal(statuses['/_tracing/api/stats'], 200);
      if (platform === 'express') assert.equal(statuses['/_TRACING/api/stats'], 200, 'Express routes case-insensitively');
      await get(`${traced.url}/items`);
      const spans = await waitForSpans(traced.spans, (all) => all.some((s) => s.name === 'GET /items'));
      // What the explorer served is never traced; on Fastify (case-sensitive) /_TRACING and /_Tracing are the
      // app's own 404s, and traced as such.
      assert.deepEqual(
        spans.map((s) => [s.attributes['url.path'], s.attributes['http.response.status_code']]).sort(),
        platform === 'express' ? [['/items', 200]] : [['/_TRACING/api/stats', 404], ['/_Tracing', 404], ['/items', 200]],
      );
    });
  }
});
