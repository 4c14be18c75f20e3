import { Logger } from '@nestjs/common';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { DiagLogLevelName } from '../config/tracing-options.interface.js';

const LEVELS: Record<DiagLogLevelName, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** OpenTelemetry's diagnostics as Nest log lines (context `OpenTelemetry`), so they follow the app's logger. */
class NestDiagLogger implements DiagLogger {
  private readonly logger = new Logger('OpenTelemetry');
  error = (message: string, ...args: unknown[]) => this.logger.error(line(message, args));
  warn = (message: string, ...args: unknown[]) => this.logger.warn(line(message, args));
  info = (message: string, ...args: unknown[]) => this.logger.log(line(message, args));
  debug = (message: string, ...args: unknown[]) => this.logger.debug(line(message, args));
  verbose = (message: string, ...args: unknown[]) => this.logger.verbose(line(message, args));
}

function line(message: string, args: unknown[]): string {
  if (args.length === 0) return message;
  return [message, ...args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : safeJson(a)))].join(' ');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

let users = 0;
let installed = false;

/**
 * Routes `diag` to the Nest `Logger` at `level` while at least one app that created its provider is alive
 * (the diag API has one global logger; the last user's release turns it off again). Returns the release.
 */
export function acquireDiagLogger(level: DiagLogLevelName): () => void {
  if (users === 0 && level !== 'none') {
    installed = diag.setLogger(new NestDiagLogger(), { logLevel: LEVELS[level], suppressOverrideMessage: true });
  }
  users++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    users--;
    if (users === 0 && installed) {
      installed = false;
      diag.disable();
    }
  };
}
