import { Controller, Get } from '@nestjs/common';
import { NoTrace, TracingService, type TracingHealth } from 'nestjs-ai-tracing';

/**
 * Liveness probe with the tracing pipeline's state beside it. Not traced: probes every few seconds would bury the
 * traces that matter. Always `ok` while the app serves: failing trace exports degrade telemetry, not the app.
 */
@NoTrace()
@Controller('health')
export class HealthController {
  constructor(private readonly tracing: TracingService) {}

  @Get()
  check(): { status: 'ok'; tracing: TracingHealth['status']; reasons: string[] } {
    const { status, reasons } = this.tracing.health();
    return { status: 'ok', tracing: status, reasons };
  }
}
