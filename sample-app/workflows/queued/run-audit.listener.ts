import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { RUN_FINISHED_EVENT, type RunFinished } from './queued-runs.types.js';

/**
 * The event hop of a queued run: an audit trail of finished runs. The library runs this listener in an
 * `event workflow.run.finished` span under the job's `process` span, with the enqueuing user.
 */
@Injectable()
export class RunAuditListener {
  private readonly logger = new Logger('RunAudit');
  /** The latest finished runs, newest last (bounded). */
  readonly entries: RunFinished[] = [];

  @OnEvent(RUN_FINISHED_EVENT, { async: true })
  record(event: RunFinished): void {
    this.entries.push(event);
    if (this.entries.length > 100) this.entries.shift();
    this.logger.debug(`queued run ${event.jobId} of ${event.workflowId}: ${event.status}`);
  }
}
