import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { SpanStatusCode } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { AttributionAttributes, CostAttributes, EventAttributes, TraceNode, TracingService, type TracingModuleOptions } from '../../lib/index.js';
import { ACME_PRICE, acmeCost, AcmeLlm, SummarizeWorkflow, type PricedTask } from '../propagation/fixtures/priced-work.js';
import { configuredBy } from '../support/config-service.js';
import { createTracedApp, parentOf, spanNamed, waitForSpans, type TracedApp } from '../support/tracing-harness.js';

interface OrderEvent extends PricedTask {
  orderId: string;
}

/** Listeners as apps write them: sync, async, a wildcard, one that fails, one already traced by a decorator. */
@Injectable()
class OrderListeners {
  readonly seen: string[] = [];

  constructor(private readonly workflow: SummarizeWorkflow) {}

  @OnEvent('order.created')
  audit(event: OrderEvent): void {
    this.seen.push(`audit ${event.orderId}`);
  }

  @OnEvent('order.created', { async: true })
  async summarize(event: OrderEvent): Promise<void> {
    await this.workflow.run(event);
    this.seen.push(`summarized ${event.orderId}`);
  }

  @OnEvent('order.*')
  any(event: OrderEvent): void {
    this.seen.push(`any ${event.orderId}`);
  }

  @OnEvent('order.rejected')
  reject(): void {
    throw new Error('cannot reject a shipped order');
  }

  @OnEvent('order.noisy')
  noisy(): void {
    this.seen.push('noisy');
  }

  @OnEvent('order.priced')
  @TraceNode({ nodeType: 'pricing' })
  price(event: OrderEvent): string {
    this.seen.push(`priced ${event.orderId}`);
    return 'priced';
  }
}

/** The code that emits, inside a request-like span with a user. */
@Injectable()
class Orders {
  constructor(
    private readonly events: EventEmitter2,
    private readonly tracing: TracingService,
  ) {}

  place(event: string, orderId: string, user: string): boolean {
    return this.tracing.withAttribution({ userId: user }, () =>
      this.tracing.withSpan(`place ${orderId}`, () => this.events.emit(event, { orderId, text: orderId, inputTokens: 40, outputTokens: 4 })),
    );
  }
}

/** The app every test here boots (its tracing options aside). */
const APP = {
  listen: false,
  imports: [EventEmitterModule.forRoot({ wildcard: true })],
  providers: [AcmeLlm, SummarizeWorkflow, OrderListeners, Orders],
};

async function startApp(tracing: TracingModuleOptions = {}): Promise<TracedApp> {
  return createTracedApp({ ...APP, tracing: { pricing: { models: [ACME_PRICE] }, events: { ignoreEvents: ['order.noisy'] }, ...tracing } });
}

describe('@OnEvent listeners', () => {
  let traced: TracedApp;
  let orders: Orders;
  let listeners: OrderListeners;

  before(async () => {
    traced = await startApp();
    orders = traced.app.get(Orders);
    listeners = traced.app.get(OrderListeners);
  });
  afterEach(() => {
    traced.tracing.resetFinishedSpans();
    listeners.seen.length = 0;
  });
  after(() => traced.close());

  it('run sync and async listeners in spans nested under the emitter, with its attribution, and roll the async one\'s cost up', async () => {
    orders.place('order.created', 'o-1', 'alice');
    const spans = await waitForSpans(traced.spans, (all) => all.some((s) => s.name === 'chat acme-1') && all.filter((s) => s.name.startsWith('event ')).length === 3);
    const emitter = spanNamed(spans, 'place o-1');
    const events = spans.filter((s) => s.name.startsWith('event '));
    assert.deepEqual(events.map((s) => s.name).sort(), ['event order.*', 'event order.created', 'event order.created']);
    for (const span of events) {
      assert.equal(parentOf(spans, span), emitter, span.name);
      assert.equal(span.attributes[AttributionAttributes.USER_ID], 'alice');
      assert.equal(span.attributes[EventAttributes.NAME], span.name.slice('event '.length));
    }
    const asyncListener = events.find((s) => s.attributes[EventAttributes.LISTENER] === 'OrderListeners.summarize')!;
    const workflow = spanNamed(spans, 'invoke_workflow summarize');
    assert.equal(parentOf(spans, workflow), asyncListener);
    assert.equal(spanNamed(spans, 'chat acme-1').attributes[AttributionAttributes.USER_ID], 'alice');
    assert.equal(asyncListener.attributes[CostAttributes.TOTAL_USD], acmeCost(40, 4));
    assert.deepEqual(
      events.map((s) => s.attributes[EventAttributes.LISTENER]).sort(),
      ['OrderListeners.any', 'OrderListeners.audit', 'OrderListeners.summarize'],
    );
    assert.ok(listeners.seen.includes('summarized o-1') && listeners.seen.includes('audit o-1'));
  });

  it('marks a throwing listener ERROR; the emitter carries on as Nest makes it (error logged, not thrown)', async () => {
    assert.equal(orders.place('order.rejected', 'o-2', 'bob'), true);
    const spans = await waitForSpans(traced.spans, (all) => all.some((s) => s.name === 'event order.rejected'));
    const listener = spanNamed(spans, 'event order.rejected');
    assert.equal(listener.status.code, SpanStatusCode.ERROR);
    assert.equal(listener.status.message, 'cannot reject a shipped order');
  });

  it('keeps a listener traced by a decorator working (the event span wraps its node span); skips ignored events', async () => {
    orders.place('order.priced', 'o-3', 'carol');
    orders.place('order.noisy', 'o-4', 'carol');
    const spans = await waitForSpans(traced.spans, (all) => all.some((s) => s.name === 'node pricing'));
    assert.equal(parentOf(spans, spanNamed(spans, 'node pricing')), spanNamed(spans, 'event order.priced'));
    assert.ok(listeners.seen.includes('priced o-3') && listeners.seen.includes('noisy'));
    assert.equal(spans.filter((s) => s.name === 'event order.noisy').length, 0);
  });
});

describe('@OnEvent listeners with event tracing off', () => {
  const switches: Array<[string, () => Promise<TracedApp>]> = [
    ['events.enabled: false', () => startApp({ events: { enabled: false } })],
    [
      'TRACING_EVENTS_ENABLED=false (through ConfigService)',
      async () => {
        const { tracingModule, imports } = await configuredBy({ TRACING_EVENTS_ENABLED: 'false' }, { exporter: 'memory', pricing: { models: [ACME_PRICE] } });
        return createTracedApp({ ...APP, tracingModule, imports: [...APP.imports, ...imports] });
      },
    ],
  ];
  for (const [how, start] of switches) {
    it(`${how}: listeners are called as without the library, in no span of their own`, async () => {
      const traced = await start();
      try {
        traced.app.get(Orders).place('order.created', 'o-5', 'dave');
        await waitForSpans(traced.spans, (all) => all.some((s) => s.name === 'chat acme-1'));
        const listeners = traced.app.get(OrderListeners);
        assert.ok(listeners.seen.includes('audit o-5'));
        assert.deepEqual(traced.spans().filter((s) => s.name.startsWith('event ')), []);
        assert.equal(parentOf(traced.spans(), spanNamed(traced.spans(), 'invoke_workflow summarize'))?.name, 'place o-5');
      } finally {
        await traced.close();
      }
    });
  }
});
