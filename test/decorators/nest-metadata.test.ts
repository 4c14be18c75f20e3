import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable, SetMetadata } from '@nestjs/common';
import { GUARDS_METADATA, HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { TraceNode, TraceProvider, TraceTool, TraceWorkflow } from '../../lib/index.js';
import { auditedAppPerTest } from '../support/app-per-test.js';
import type { AuditedApp } from '../support/span-audit.js';
import { PLATFORMS } from '../support/tracing-harness.js';
import { DenyGuard } from '../support/http.js';
import { GuardedController, RolesGuard, WrapInterceptor } from './fixtures/guarded.controller.js';

const audited = auditedAppPerTest();

const libraryNames = (current: AuditedApp) => current.spans().map((s) => s.name).filter((name) => !/^(GET|POST|HTTP)\b/.test(name));

for (const platform of PLATFORMS) {
  describe(`guards, interceptors and route metadata over real HTTP (${platform})`, () => {
    async function start(): Promise<AuditedApp> {
      GuardedController.calls = 0;
      return audited.boot({ controllers: [GuardedController], providers: [DenyGuard, RolesGuard, WrapInterceptor], platform, listen: true });
    }

    for (const order of ['above', 'below'] as const) {
      it(`@UseGuards(DenyGuard) still answers 403 with the trace decorator ${order} it`, async () => {
        const current = await start();
        const response = await fetch(`${current.url}/guarded/${order}`);
        assert.equal(response.status, 403);
        assert.equal(GuardedController.calls, 0, 'the handler never ran');
        assert.deepEqual(libraryNames(current), [], 'no workflow span: the method was not called');
      });

      it(`@SetMetadata read by a guard, @HttpCode and @Header still apply (trace decorator ${order})`, async () => {
        const current = await start();
        const response = await fetch(`${current.url}/guarded/admin-${order}`, { method: 'POST' });
        assert.equal(response.status, 202);
        assert.equal(response.headers.get('x-handler'), `admin-${order}`);
        assert.deepEqual(await response.json(), { ok: true });
        assert.deepEqual(libraryNames(current), [order === 'above' ? 'execute_tool admin-above' : 'invoke_agent admin-below']);
      });

      it(`@UseInterceptors still wraps the answer (trace decorator ${order})`, async () => {
        const current = await start();
        const response = await fetch(`${current.url}/guarded/intercepted-${order}`);
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), { wrapped: 'data' });
        assert.deepEqual(libraryNames(current), [`invoke_workflow intercepted-${order}`]);
      });
    }

    it('a guard reading metadata still refuses when the metadata says so', async () => {
      const current = await start();
      assert.equal((await fetch(`${current.url}/guarded/user-only`)).status, 403);
      assert.equal(GuardedController.calls, 0);
    });

    it('route params reach the method and its extractors', async () => {
      const current = await start();
      const response = await fetch(`${current.url}/guarded/class-guard/42`);
      assert.equal(await response.text(), 'id 42');
      const [node] = current.spans().filter((s) => s.name === 'node with-param');
      assert.equal(node?.attributes['workflow.node.id'], '42');
    });
  });
}

describe('the wrapper itself', () => {
  it('keeps name and length of the method', () => {
    class Service {
      @TraceProvider({ provider: 'openai' })
      complete(_request: unknown, _options: unknown = {}): string {
        return 'x';
      }

      @TraceNode()
      three(_a: number, _b: number, _c: number): number {
        return 3;
      }
    }
    assert.equal(Service.prototype.complete.name, 'complete');
    assert.equal(Service.prototype.complete.length, 1, 'parameters with defaults do not count, as without the decorator');
    assert.equal(Service.prototype.three.name, 'three');
    assert.equal(Service.prototype.three.length, 3);
  });

  it('keeps reflect-metadata written before and after it, and the route metadata Nest reads', () => {
    const proto = GuardedController.prototype;
    assert.deepEqual(Reflect.getMetadata(GUARDS_METADATA, proto.traceAboveGuard), [DenyGuard]);
    assert.deepEqual(Reflect.getMetadata(GUARDS_METADATA, proto.traceBelowGuard), [DenyGuard]);
    assert.deepEqual(Reflect.getMetadata('roles', proto.adminAbove), ['admin']);
    assert.equal(Reflect.getMetadata(HTTP_CODE_METADATA, proto.adminBelow), 202);
    assert.equal(Reflect.getMetadata(PATH_METADATA, proto.adminBelow), 'admin-below');
    assert.equal(Reflect.getMetadata(METHOD_METADATA, proto.adminAbove), 1, 'RequestMethod.POST');
  });

  it('keeps own properties a previous wrapper put on the function', () => {
    const tagged = (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
      Object.assign(descriptor.value as object, { tag: 'kept' });
      void target;
      void key;
    };
    class Service {
      @TraceTool()
      @tagged
      run(): number {
        return 1;
      }
    }
    assert.equal((Service.prototype.run as unknown as { tag: string }).tag, 'kept');
  });

  it('never wraps a method twice: two trace decorators give one span per call', async () => {
    const app = await audited.boot();
    class Service {
      @TraceWorkflow({ name: 'outer' })
      @TraceNode({ nodeType: 'inner' })
      @SetMetadata('kept', true)
      run(x: number): number {
        return x + 1;
      }
    }
    const first = Service.prototype.run;
    assert.equal(new Service().run(1), 2);
    assert.deepEqual(app.spans().map((s) => s.name), ['node inner']);
    assert.equal(Reflect.getMetadata('kept', first), true);
  });

  it('refuses non-methods with a clear error at decoration time', () => {
    assert.throws(() => {
      class Broken {
        @(TraceNode() as unknown as PropertyDecorator)
        value = 1;
      }
      void Broken;
    }, /apply to methods/);
  });

  it('a traced provider injected into a controller keeps DI metadata (constructor params)', async () => {
    @Injectable()
    class Helper {
      @TraceTool()
      help(): string {
        return 'helped';
      }
    }
    const app = await audited.boot({ providers: [Helper] });
    assert.equal(app.app.get(Helper).help(), 'helped');
  });
});
