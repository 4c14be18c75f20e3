import { Controller, Get } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TraceStoreService, TracingConfigError, type TracingModuleOptions } from '../../lib/index.js';
import { tracedAppPerTest } from '../support/app-per-test.js';
import { configuredBy } from '../support/config-service.js';
import { loadPg } from '../../lib/store/postgres/pg-driver.js';
import { createTestSchema, POSTGRES_BASE_URL, type TestSchema } from '../support/postgres.js';
import { tempDir } from '../support/temp-dir.js';
import { flushEndedSpans, type TracedApp } from '../support/tracing-harness.js';

/**
 * The PostgreSQL store settings shown by their effect on a real app: which database holds its traces, how many
 * connections it opens, and the one clear bootstrap error of a URL or credentials that cannot work (never
 * showing the password). Variables are read through ConfigService.
 */
@Controller('hello')
class HelloController {
  @Get()
  hello(): { ok: true } {
    return { ok: true };
  }
}

const apps = tracedAppPerTest({ controllers: [HelloController] });
const files = tempDir('ai-tracing-pg-settings');

async function bootWith(variables: Record<string, string>, options: TracingModuleOptions = {}): Promise<TracedApp> {
  const { tracingModule, imports } = await configuredBy(variables, { exporter: 'memory', ...options });
  return apps.boot({ tracingModule, imports });
}

async function hello(app: TracedApp, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) assert.equal((await fetch(`${app.url}/hello`)).status, 200);
  await flushEndedSpans(app.tracing);
}

describe('PostgreSQL store settings', () => {
  let schema: TestSchema;

  before(async () => {
    schema = await createTestSchema('settings');
  });

  after(async () => {
    await schema.drop();
    files.cleanup();
  });

  it('TRACING_STORE_URL alone puts the store on PostgreSQL: the app traces land in that database', async () => {
    const app = await bootWith({ TRACING_STORE_URL: schema.url });
    await hello(app);
    const rows = await schema.query<{ name: string; instance_id: string }>("SELECT name, instance_id FROM traces WHERE name = 'GET /hello'");
    assert.equal(rows.length, 1);
    assert.ok(rows[0]!.instance_id, 'the replica is recorded');
    const stats = await app.app.get(TraceStoreService).stats();
    assert.equal(stats.path, schema.url.replace(/ /g, '%20'), 'stats name the database');
    assert.ok(stats.sizeBytes > 0);
  });

  it("store.driver: 'postgres' with store.url writes to the database; TRACING_STORE_DRIVER=sqlite keeps the SQLite file whatever the URL", async () => {
    const before = (await schema.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM traces'))[0]!.n;
    const pg = await bootWith({}, { store: { driver: 'postgres', url: schema.url } });
    await hello(pg);
    await pg.close();
    assert.equal((await schema.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM traces'))[0]!.n, before + 1);

    const path = files.join('driver.db');
    const sqlite = await bootWith({ TRACING_STORE_DRIVER: 'sqlite', TRACING_STORE_URL: schema.url, TRACING_STORE_PATH: path });
    await hello(sqlite);
    assert.equal((await sqlite.app.get(TraceStoreService).stats()).path, path);
    assert.equal((await schema.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM traces'))[0]!.n, before + 1, 'nothing more in PostgreSQL');
  });

  for (const [how, variables, options] of [
    ['TRACING_STORE_POOL_SIZE=1', { TRACING_STORE_POOL_SIZE: '1' }, {}],
    ['store.poolSize: 1', {}, { poolSize: 1 }],
  ] as const) {
    it(`${how}: one connection to the database, whatever the load`, async () => {
      const name = `pool_${Date.now()}`;
      const url = `${schema.url}&application_name=${name}`;
      const app = await bootWith({ TRACING_STORE_URL: url, ...variables }, { store: { ...options } });
      const service = app.app.get(TraceStoreService);
      const sample = async () =>
        (await schema.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [name]))[0]!.n;
      const seen: number[] = [];
      await Promise.all([
        hello(app, 20),
        ...Array.from({ length: 10 }, () => service.listTraces()),
        (async () => {
          for (let i = 0; i < 10; i++) seen.push(await sample());
        })(),
      ]);
      assert.ok(Math.max(...seen) === 1, `connections seen: ${seen.join(', ')}`);
      assert.ok((await service.listTraces()).total >= 20);
    });
  }

  it('bad credentials or an unknown database: one bootstrap error naming store.url, never the password', async () => {
    const base = new URL(POSTGRES_BASE_URL);
    const cases: Array<[url: string, says: RegExp]> = [
      [`postgres://nobody:s3cret-pw@${base.host}/test`, /role "nobody" does not exist|password authentication failed/],
      [`postgres://postgres:s3cret-pw@${base.host}/no_such_database`, /database "no_such_database" does not exist/],
    ];
    for (const [url, says] of cases) {
      await assert.rejects(
        () => bootWith({}, { store: { url } }),
        (e: unknown) => {
          assert.ok(e instanceof TracingConfigError, String(e));
          assert.match(e.message, /cannot connect to the trace store database at postgres:\/\/.*:\*\*\*@.* \(option store\.url or TRACING_STORE_URL\)/);
          assert.match(e.message, says);
          assert.doesNotMatch(e.message, /s3cret-pw/);
          return true;
        },
      );
    }
  });

  it('a malformed URL, or postgres without one: one bootstrap error naming the setting, never the password', async () => {
    await assert.rejects(
      () => bootWith({ TRACING_STORE_URL: 'postgres://admin:s3cret-pw@db:port/x' }),
      (e: unknown) => e instanceof TracingConfigError && /TRACING_STORE_URL/.test(e.message) && !e.message.includes('s3cret-pw'),
    );
    await assert.rejects(() => bootWith({ TRACING_STORE_URL: 'mysql://db/x' }), /TRACING_STORE_URL="mysql:\/\/db\/x": expected a postgres:\/\/ or postgresql:\/\/ URL/);
    await assert.rejects(
      () => bootWith({}, { store: { driver: 'postgres' } }),
      /option store\.driver="postgres": expected "sqlite" unless a PostgreSQL URL is given \(store\.url or TRACING_STORE_URL\)/,
    );
  });

  it('fails bootstrap with an install hint when pg is missing', () => {
    assert.throws(
      () => loadPg('pg-not-installed'),
      (e: unknown) => e instanceof TracingConfigError && /needs the optional peer dependency pg-not-installed: run `npm install pg-not-installed`/.test(e.message),
    );
  });
});
