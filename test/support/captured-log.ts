import type { LoggerService } from '@nestjs/common';

/** One line the app logged through Nest's `Logger`. */
export interface LogLine {
  level: 'log' | 'warn' | 'error';
  message: string;
}

/** The app's log as Nest's logger wrote it (`app.useLogger(log)` or `Logger.overrideLogger(log)`); debug and verbose dropped. */
export class CapturedLog implements LoggerService {
  readonly lines: LogLine[] = [];
  log = (message: unknown) => void this.lines.push({ level: 'log', message: String(message) });
  warn = (message: unknown) => void this.lines.push({ level: 'warn', message: String(message) });
  error = (message: unknown) => void this.lines.push({ level: 'error', message: String(message) });
  debug = () => undefined;
  verbose = () => undefined;

  /** The lines whose message matches `pattern`. */
  matching(pattern: RegExp | string): LogLine[] {
    return this.lines.filter((l) => (typeof pattern === 'string' ? l.message.includes(pattern) : pattern.test(l.message)));
  }

  /** The warning messages, in order. */
  get warnings(): string[] {
    return this.lines.filter((l) => l.level === 'warn').map((l) => l.message);
  }
}
