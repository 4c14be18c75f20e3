import { SetMetadata, type CustomDecorator } from '@nestjs/common';
import { NO_TRACE_METADATA } from '../tracing.constants.js';

/**
 * Opts a controller, a gateway or one of their handlers out of request and message tracing: no HTTP or
 * WebSocket span is created for it (spans of traced services it calls still are, as roots).
 * @example
 * @NoTrace()
 * @Get('health')
 * health() { return { ok: true }; }
 */
export function NoTrace(): CustomDecorator<string> {
  return SetMetadata(NO_TRACE_METADATA, true);
}
