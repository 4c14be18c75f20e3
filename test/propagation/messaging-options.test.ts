import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveTracingConfig } from '../../lib/config/resolve-config.js';
import { TracingConfigError, type TracingModuleOptions } from '../../lib/index.js';

const resolve = (options: TracingModuleOptions, env: Record<string, string> = {}) => resolveTracingConfig(options, (name) => env[name], false);

describe('propagation, microservices and events options', () => {
  it('default to sending and accepting attribution, and tracing microservices and event listeners', () => {
    const config = resolve({});
    assert.deepEqual(config.propagation, { sendAttribution: true, acceptAttribution: true });
    assert.deepEqual(config.microservices, { enabled: true });
    assert.deepEqual(config.events, { enabled: true, ignoreEvents: [] });
  });

  it('read TRACING_PROPAGATE_ATTRIBUTION, TRACING_MICROSERVICES_ENABLED and TRACING_EVENTS_ENABLED; options win', () => {
    const env = { TRACING_PROPAGATE_ATTRIBUTION: 'Accept', TRACING_MICROSERVICES_ENABLED: 'off', TRACING_EVENTS_ENABLED: '0' };
    const fromEnv = resolve({}, env);
    assert.deepEqual(fromEnv.propagation, { sendAttribution: false, acceptAttribution: true });
    assert.equal(fromEnv.microservices.enabled, false);
    assert.equal(fromEnv.events.enabled, false);
    const fromOptions = resolve({ propagation: { attribution: 'send' }, microservices: { enabled: true }, events: { enabled: true, ignoreEvents: ['tick', /^debug\./] } }, env);
    assert.deepEqual(fromOptions.propagation, { sendAttribution: true, acceptAttribution: false });
    assert.equal(fromOptions.microservices.enabled, true);
    assert.deepEqual(fromOptions.events, { enabled: true, ignoreEvents: ['tick', /^debug\./] });
  });

  const bad: Array<[string, TracingModuleOptions, Record<string, string>, RegExp]> = [
    ['propagation.attribution', { propagation: { attribution: 'all' as never } }, {}, /option propagation\.attribution="all": expected one of "both", "send", "accept", "none"/],
    ['TRACING_PROPAGATE_ATTRIBUTION', {}, { TRACING_PROPAGATE_ATTRIBUTION: 'true' }, /environment variable TRACING_PROPAGATE_ATTRIBUTION="true"/],
    ['microservices.enabled', { microservices: { enabled: 'sometimes' as never } }, {}, /option microservices\.enabled="sometimes": expected a boolean/],
    ['TRACING_MICROSERVICES_ENABLED', {}, { TRACING_MICROSERVICES_ENABLED: 'maybe' }, /TRACING_MICROSERVICES_ENABLED="maybe"/],
    ['events.enabled', { events: { enabled: 1 as never } }, {}, /option events\.enabled=1: expected a boolean/],
    ['TRACING_EVENTS_ENABLED', {}, { TRACING_EVENTS_ENABLED: 'nope' }, /TRACING_EVENTS_ENABLED="nope"/],
    ['events.ignoreEvents', { events: { ignoreEvents: ['ok', 3 as never] } }, {}, /option events\.ignoreEvents=array: expected an array of strings and RegExps/],
  ];
  for (const [name, options, env, message] of bad) {
    it(`reject a bad ${name} at bootstrap, naming it`, () => {
      assert.throws(() => resolve(options, env), (error: unknown) => error instanceof TracingConfigError && message.test(error.message));
    });
  }
});
