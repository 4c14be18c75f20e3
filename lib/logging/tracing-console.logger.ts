import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { traceLogFields } from './trace-log-fields.js';

type JsonLogOptions = Parameters<ConsoleLogger['getJsonLogObject']>[1];
type JsonLogObject = ReturnType<ConsoleLogger['getJsonLogObject']>;

/**
 * Nest's `ConsoleLogger` with the active trace on every line written inside a span: `trace_id`, `span_id` and
 * `trace_flags` fields in JSON mode (`json: true`), ` trace_id=… span_id=… trace_flags=…` at the end of the line
 * in text mode. Lines outside any span are unchanged.
 * @example
 * const app = await NestFactory.create(AppModule, { logger: new TracingConsoleLogger({ json: true }) });
 */
export class TracingConsoleLogger extends ConsoleLogger {
  protected override getJsonLogObject(message: unknown, options: JsonLogOptions): JsonLogObject {
    const logObject = super.getJsonLogObject(message, options);
    const fields = traceLogFields();
    return fields.trace_id === undefined ? logObject : { ...logObject, ...fields };
  }

  protected override formatMessage(
    logLevel: LogLevel,
    message: unknown,
    pidMessage: string,
    formattedLogLevel: string,
    contextMessage: string,
    timestampDiff: string,
    params?: Record<string, unknown>,
  ): string {
    const line = super.formatMessage(logLevel, message, pidMessage, formattedLogLevel, contextMessage, timestampDiff, params);
    const fields = traceLogFields();
    if (fields.trace_id === undefined) return line;
    const suffix = ` trace_id=${fields.trace_id} span_id=${fields.span_id} trace_flags=${fields.trace_flags}`;
    return line.endsWith('\n') ? `${line.slice(0, -1)}${suffix}\n` : `${line}${suffix}`;
  }
}
