import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ResolvedTracingConfig } from '../config/resolved-config.js';

/** The resource of everything the module exports (spans and metrics): SDK defaults, configured attributes, service. */
export function createResource(config: ResolvedTracingConfig): Resource {
  return defaultResource().merge(
    resourceFromAttributes({
      ...config.resourceAttributes,
      'service.instance.id': config.serviceInstanceId,
      'service.name': config.serviceName,
      ...(config.serviceVersion ? { 'service.version': config.serviceVersion } : {}),
    }),
  );
}
