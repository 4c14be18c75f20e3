import { Controller, Get } from '@nestjs/common';
import { NoTrace } from 'nestjs-ai-tracing';

/** Liveness probe. Not traced: probes every few seconds would bury the traces that matter. */
@NoTrace()
@Controller('health')
export class HealthController {
  @Get()
  check(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
