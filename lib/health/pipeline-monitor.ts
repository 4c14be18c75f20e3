import type { ExportQueue, ExportQueueListener } from '../sdk/export-queue.js';
import { exportFailing, exportQueueFull, exportRecovered, exportTroubleSummary } from '../tracing.messages.js';

/** Where the monitor writes (the Nest `Logger` of the module). */
export interface MonitorLog {
  warn(message: string): void;
  log(message: string): void;
}

/** One stretch of trouble of one exporter: failing exports, dropped spans, or both. */
interface Episode {
  since: number;
  failedAtStart: number;
  droppedAtStart: number;
  failedAtLast: number;
  droppedAtLast: number;
  /** The failure warning was given (an episode opened by drops may start failing later). */
  failureWarned: boolean;
}

/**
 * Says what the export pipeline does, in a bounded number of lines: one warning when an exporter starts failing
 * (or its queue starts dropping), then at most one summary per interval while the trouble lasts, then one line
 * when it is over (its exports succeed and nothing was dropped for a whole interval, so a flapping backend does
 * not log a pair of lines per batch). Never a line per span or per request.
 */
export class PipelineMonitor implements ExportQueueListener {
  private readonly episodes = new Map<ExportQueue, Episode>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: MonitorLog,
    private readonly intervalMillis: number,
    private readonly maxQueueSize: number,
  ) {}

  exportFailed(queue: ExportQueue): void {
    const episode = this.episodes.get(queue) ?? this.open(queue, 'failed');
    if (episode.failureWarned) return;
    episode.failureWarned = true;
    this.out.warn(exportFailing(target(queue), queue.lastError ?? 'export failed', this.intervalMillis));
  }

  exportRecovered(): void {
    // Confirmed on the next tick, once a whole interval went by without new trouble.
  }

  spansDropped(queue: ExportQueue): void {
    if (this.episodes.has(queue)) return;
    this.open(queue, 'dropped');
    this.out.warn(exportQueueFull(target(queue), this.maxQueueSize, this.intervalMillis));
  }

  /** Stops the summaries (at shutdown). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.episodes.clear();
  }

  private open(queue: ExportQueue, cause: 'failed' | 'dropped'): Episode {
    const episode: Episode = {
      since: Date.now(),
      // The batch or the span that opened the episode is part of it (counted before the listener hears of it).
      failedAtStart: queue.failed - (cause === 'failed' ? queue.lastFailedBatch : 0),
      droppedAtStart: queue.dropped - (cause === 'dropped' ? 1 : 0),
      failedAtLast: queue.failed,
      droppedAtLast: queue.dropped,
      failureWarned: false,
    };
    this.episodes.set(queue, episode);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMillis);
      this.timer.unref();
    }
    return episode;
  }

  private tick(): void {
    for (const [queue, episode] of this.episodes) {
      const failed = queue.failed - episode.failedAtLast;
      const dropped = queue.dropped - episode.droppedAtLast;
      episode.failedAtLast = queue.failed;
      episode.droppedAtLast = queue.dropped;
      if (queue.failing || dropped > 0 || failed > 0) {
        if (failed + dropped > 0) {
          this.out.warn(exportTroubleSummary(target(queue), failed, dropped, this.intervalMillis, queue.failing ? queue.lastError : undefined));
        }
        continue;
      }
      this.episodes.delete(queue);
      this.out.log(
        exportRecovered(target(queue), Date.now() - episode.since, queue.failed - episode.failedAtStart, queue.dropped - episode.droppedAtStart),
      );
    }
    if (this.episodes.size === 0) this.stop();
  }
}

/** `otlp (http://collector:4318/v1/traces)`, or the exporter's name alone. */
export function target(queue: ExportQueue): string {
  return queue.endpoint ? `${queue.name} (${queue.endpoint})` : queue.name;
}
