import type { ResolvedTracingConfig } from './resolved-config.js';
import type { AttributionPropagation, TracingModuleOptions } from './tracing-options.interface.js';
import { matchers } from './option-readers.js';
import { parseBoolean, parseEnum, type EnvReader } from './value-parsers.js';

const ATTRIBUTION_MODES: readonly AttributionPropagation[] = ['both', 'send', 'accept', 'none'];

type MessagingSettings = Pick<ResolvedTracingConfig, 'propagation' | 'microservices' | 'events'>;

/** Propagation across jobs and messages, microservices and event listener tracing. */
export function resolveMessagingSettings(o: TracingModuleOptions, env: EnvReader): MessagingSettings {
  const attribution =
    parseEnum('propagation.attribution', o.propagation?.attribution, ATTRIBUTION_MODES) ??
    parseEnum('TRACING_PROPAGATE_ATTRIBUTION', env('TRACING_PROPAGATE_ATTRIBUTION'), ATTRIBUTION_MODES) ??
    'both';
  return {
    propagation: {
      sendAttribution: attribution === 'both' || attribution === 'send',
      acceptAttribution: attribution === 'both' || attribution === 'accept',
    },
    microservices: {
      enabled:
        parseBoolean('microservices.enabled', o.microservices?.enabled) ??
        parseBoolean('TRACING_MICROSERVICES_ENABLED', env('TRACING_MICROSERVICES_ENABLED')) ??
        true,
    },
    events: {
      enabled: parseBoolean('events.enabled', o.events?.enabled) ?? parseBoolean('TRACING_EVENTS_ENABLED', env('TRACING_EVENTS_ENABLED')) ?? true,
      ignoreEvents: matchers('events.ignoreEvents', o.events?.ignoreEvents),
    },
  };
}
