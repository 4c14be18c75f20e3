import { invalidTraceQuery } from '../tracing.messages.js';
import type { CostGroupBy, TraceStatus } from './trace-query.types.js';

/** A bad argument of a `TraceStoreService` query; the explorer answers it with 400 and the message. */
export class TraceQueryError extends Error {
  override readonly name = 'TraceQueryError';
}

/** A validated time window (epoch ms; null = open end). */
export interface TimeWindow {
  sinceMs: number | null;
  untilMs: number | null;
}

/** Validated `listTraces` arguments. */
export interface TraceListFilters extends TimeWindow {
  status: TraceStatus | undefined;
  hasError: boolean | undefined;
  minDurationMs: number | undefined;
  user: string | undefined;
  workflow: string | undefined;
  service: string | undefined;
  name: string | undefined;
  limit: number;
  offset: number;
  cursor: TraceCursor | undefined;
}

/** Position after the last trace of a page (newest first: start time, then trace id, both descending). */
export interface TraceCursor {
  startMs: number;
  traceId: string;
}

export const TRACE_STATUSES: readonly TraceStatus[] = ['ok', 'error', 'unset'];
export const COST_GROUPS: readonly CostGroupBy[] = ['user', 'tenant', 'workflow', 'provider', 'model', 'kind', 'day'];
const LIST_KEYS = ['since', 'until', 'status', 'hasError', 'minDurationMs', 'user', 'workflow', 'service', 'name', 'limit', 'offset', 'cursor'];
const RANGE_KEYS = ['since', 'until', 'limit'];
const COST_KEYS = [...RANGE_KEYS, 'groupBy'];
const PAGE_KEYS = ['limit', 'offset'];
const FORECAST_KEYS = ['since', 'until', 'workflow', 'runs', 'days'];
/** History a forecast reads when no `since` is given: the last 30 days. */
export const DEFAULT_FORECAST_WINDOW_MS = 30 * 86_400_000;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const MAX_TEXT = 200;
/** Window of the reports when neither `since` nor a duration is given: the last 24 hours (indexed, bounded). */
export const DEFAULT_REPORT_WINDOW_MS = 86_400_000;
/** Spans per page of `getTrace`: default and most. */
export const TRACE_PAGE_DEFAULT = 500;
export const TRACE_PAGE_MAX = 1000;
/** Control characters: never in a name, and a NUL would end the text SQLite compares (`%00` matched every trace). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

function fail(field: string, value: unknown, allowed: string): never {
  throw new TraceQueryError(invalidTraceQuery(field, value, allowed));
}

/** Reads one argument (own properties only); an empty string (an empty form field) counts as absent. */
function field(raw: object, key: string): unknown {
  if (!Object.hasOwn(raw, key)) return undefined;
  const value: unknown = (raw as Record<string, unknown>)[key];
  return value === '' || value === null ? undefined : value;
}

function rejectUnknown(raw: object, allowed: readonly string[]): void {
  if (raw === null || typeof raw !== 'object') fail('query', raw, `an object of the parameters ${allowed.join(', ')}`);
  for (const [key, value] of Object.entries(raw)) {
    if (!allowed.includes(key) && value !== undefined) fail(key, value, `one of the parameters ${allowed.join(', ')}`);
  }
}

/** Epoch ms from a Date, epoch ms, ISO-8601 text or a duration before `now` (`'24h'`). */
export function parseTime(name: string, value: unknown, now: number): number | undefined {
  if (value === undefined) return undefined;
  const allowed = 'a Date, epoch milliseconds, an ISO-8601 time or a duration before now such as 15m, 24h, 7d';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? fail(name, 'Invalid Date', allowed) : value.getTime();
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : fail(name, value, allowed);
  if (typeof value !== 'string') return fail(name, value, allowed);
  const text = value.trim();
  if (/^\d{1,15}$/.test(text)) return Number(text);
  const relative = /^(\d{1,9})(ms|s|m|h|d|w)$/.exec(text);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  // Only ISO-like dates: Date.parse also accepts loose text ("1"), which would hide typos.
  const parsed = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(parsed) ? fail(name, value, allowed) : parsed;
}

function parseWindow(raw: object, now: number): TimeWindow {
  const sinceMs = parseTime('since', field(raw, 'since'), now) ?? null;
  const untilMs = parseTime('until', field(raw, 'until'), now) ?? null;
  if (sinceMs !== null && untilMs !== null && sinceMs > untilMs) fail('since', field(raw, 'since'), 'a time before until');
  return { sinceMs, untilMs };
}

/** An integer in [min, max] given as a number or a numeric string. */
export function parseInteger(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) fail(name, value, `an integer from ${min} to ${max}`);
  return n;
}

function parseNonNegative(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) fail(name, value, 'a number of milliseconds >= 0');
  return n;
}

function parseBoolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return fail(name, value, 'true or false');
}

function parseEnum<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  return fail(name, value, `one of ${allowed.join(', ')}`);
}

function parseText(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_TEXT || CONTROL.test(value)) {
    fail(name, value, `a string of at most ${MAX_TEXT} characters without control characters`);
  }
  return value;
}

/** A W3C trace id (32 hex digits, not all zero), lower-cased. */
export function parseTraceId(value: unknown): string {
  const id = typeof value === 'string' ? value.toLowerCase() : '';
  if (!/^[0-9a-f]{32}$/.test(id) || /^0+$/.test(id)) fail('traceId', value, 'a trace id of 32 hexadecimal digits');
  return id;
}

/** Opaque cursor text for a position. */
export function encodeCursor(cursor: TraceCursor): string {
  return Buffer.from(JSON.stringify([cursor.startMs, cursor.traceId])).toString('base64url');
}

function parseCursor(value: unknown): TraceCursor | undefined {
  if (value === undefined) return undefined;
  const allowed = 'the nextCursor of a previous page';
  if (typeof value !== 'string' || value.length > 200) return fail('cursor', value, allowed);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return fail('cursor', value, allowed);
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return fail('cursor', value, allowed);
  const [startMs, traceId] = decoded as [unknown, unknown];
  if (typeof startMs !== 'number' || !Number.isFinite(startMs) || typeof traceId !== 'string' || !/^[0-9a-f]{32}$/.test(traceId)) {
    return fail('cursor', value, allowed);
  }
  return { startMs, traceId };
}

/** Validates `listTraces` arguments (typed values or raw query strings). */
export function parseTraceListQuery(raw: object, now = Date.now()): TraceListFilters {
  rejectUnknown(raw, LIST_KEYS);
  const filters: TraceListFilters = {
    ...parseWindow(raw, now),
    status: parseEnum('status', field(raw, 'status'), TRACE_STATUSES),
    hasError: parseBoolean('hasError', field(raw, 'hasError')),
    minDurationMs: parseNonNegative('minDurationMs', field(raw, 'minDurationMs')),
    user: parseText('user', field(raw, 'user')),
    workflow: parseText('workflow', field(raw, 'workflow')),
    service: parseText('service', field(raw, 'service')),
    name: parseText('name', field(raw, 'name')),
    limit: parseInteger('limit', field(raw, 'limit'), 1, 500) ?? 50,
    offset: parseInteger('offset', field(raw, 'offset'), 0, 1_000_000) ?? 0,
    cursor: parseCursor(field(raw, 'cursor')),
  };
  if (filters.cursor && filters.offset > 0) fail('offset', filters.offset, '0 when a cursor is given (use one kind of paging)');
  return filters;
}

/** A report's window: as given, else the 24 hours before `until` (or now). */
function parseReportWindow(raw: object, now: number): TimeWindow {
  const w = parseWindow(raw, now);
  return w.sinceMs === null ? { sinceMs: (w.untilMs ?? now) - DEFAULT_REPORT_WINDOW_MS, untilMs: w.untilMs } : w;
}

/** Validates a report's time window (default: the last 24 hours) and row cap. */
export function parseRangeQuery(raw: object, now = Date.now()): TimeWindow & { limit: number } {
  rejectUnknown(raw, RANGE_KEYS);
  return { ...parseReportWindow(raw, now), limit: parseInteger('limit', field(raw, 'limit'), 1, 1000) ?? 50 };
}

/** Validates `getTrace` paging: which spans of the trace, by start time. */
export function parseTracePageQuery(raw: object): { limit: number; offset: number } {
  rejectUnknown(raw, PAGE_KEYS);
  return {
    limit: parseInteger('limit', field(raw, 'limit'), 1, TRACE_PAGE_MAX) ?? TRACE_PAGE_DEFAULT,
    offset: parseInteger('offset', field(raw, 'offset'), 0, 10_000_000) ?? 0,
  };
}

/** Validates `costReport` arguments (default window: the last 24 hours). */
export function parseCostQuery(raw: object, now = Date.now()): TimeWindow & { limit: number; groupBy: CostGroupBy } {
  rejectUnknown(raw, COST_KEYS);
  return {
    ...parseReportWindow(raw, now),
    limit: parseInteger('limit', field(raw, 'limit'), 1, 1000) ?? 100,
    groupBy: parseEnum('groupBy', field(raw, 'groupBy'), COST_GROUPS) ?? 'model',
  };
}

/** Validated `forecast` arguments. */
export interface ForecastFilters extends TimeWindow {
  workflow: string | undefined;
  runs: number;
  days: number;
}

/** Validates `forecast` arguments (history window: the last 30 days unless given; 100 runs and 30 days ahead). */
export function parseForecastQuery(raw: object, now = Date.now()): ForecastFilters {
  rejectUnknown(raw, FORECAST_KEYS);
  const w = parseWindow(raw, now);
  return {
    ...(w.sinceMs === null ? { sinceMs: (w.untilMs ?? now) - DEFAULT_FORECAST_WINDOW_MS, untilMs: w.untilMs } : w),
    workflow: parseText('workflow', field(raw, 'workflow')),
    runs: parseInteger('runs', field(raw, 'runs'), 0, 1_000_000_000) ?? 100,
    days: parseInteger('days', field(raw, 'days'), 1, 3650) ?? 30,
  };
}
