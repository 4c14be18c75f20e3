import { invalidValue } from '../tracing.messages.js';
import { TracingConfigError } from './tracing-config.error.js';

/** Reads one raw setting (an environment variable, possibly through `ConfigService`). */
export type EnvReader = (name: string) => string | undefined;

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Throws the standard bootstrap error for a bad value of `source`. */
export function reject(source: string, value: unknown, allowed: string): never {
  throw new TracingConfigError(invalidValue(source, value, allowed));
}

/** A boolean flag from an option (must be a boolean) or an env string (true/false/1/0/yes/no/on/off). */
export function parseBoolean(source: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === '') return undefined;
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
  }
  return reject(source, value, 'a boolean (true/false, 1/0, yes/no, on/off)');
}

/** A finite number in [min, max] (integer when `integer`), from an option or an env string. */
export function parseNumber(
  source: string,
  value: unknown,
  range: { min: number; max?: number; integer?: boolean },
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = typeof value === 'string' ? value.trim() : value;
  if (trimmed === '') return undefined;
  const n = typeof trimmed === 'number' ? trimmed : typeof trimmed === 'string' ? Number(trimmed) : Number.NaN;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const ok = Number.isFinite(n) && n >= range.min && n <= max && (!range.integer || Number.isInteger(n));
  if (ok) return n;
  const what = range.integer ? 'an integer' : 'a number';
  const bounds = range.max === undefined ? `>= ${range.min}` : `from ${range.min} to ${range.max}`;
  return reject(source, value, `${what} ${bounds}`);
}

/** One of `allowed`, compared case-insensitively for env strings. */
export function parseEnum<T extends string>(source: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === '') return undefined;
    const match = allowed.find((a) => a.toLowerCase() === v);
    if (match) return match;
  }
  return reject(source, value, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
}

/** A non-empty string. */
export function parseString(source: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  return reject(source, value, 'a non-empty string');
}

/** An absolute http(s) URL. */
export function parseUrl(source: string, value: unknown): string | undefined {
  const raw = parseString(source, value);
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return raw;
  } catch {
    // fall through to the error below
  }
  return reject(source, value, 'an absolute http:// or https:// URL');
}

/**
 * A W3C-baggage-style list `key1=value1,key2=value2` with percent-encoded values, as used by
 * `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS`.
 */
export function parseKeyValueList(source: string, value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined || value.trim() === '') return out;
  for (const part of value.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    if (key === '') reject(source, value, 'a comma-separated list of key=value pairs');
    try {
      out[key] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      reject(source, value, 'percent-encoded values in key=value pairs');
    }
  }
  return out;
}

const HOST_ENTRY = /^\.?(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$|^\[[0-9a-f:.]+\]$/;

/**
 * Host names (lower-cased), from an array option or a comma-separated variable: `myapp.test`, `10.0.0.5`,
 * `[fd00::1]`, or `.example.com` for a domain and its subdomains. No ports: the port never matters.
 */
export function parseHostList(source: string, value: unknown, fromEnv = /^[A-Z0-9_]+$/.test(source)): string[] | undefined {
  if (value === undefined) return undefined;
  const raw = fromEnv && typeof value === 'string' ? value.split(',').map((v) => v.trim()).filter((v) => v !== '') : value;
  if (fromEnv && (raw as string[]).length === 0) return undefined;
  const allowed = 'host names without a port, e.g. ["myapp.test", ".example.com", "10.0.0.5", "[fd00::1]"]';
  if (!Array.isArray(raw)) return reject(source, value, allowed);
  return raw.map((entry: unknown) => {
    const host = typeof entry === 'string' ? entry.trim().toLowerCase() : '';
    return HOST_ENTRY.test(host) ? host : reject(source, entry, allowed);
  });
}
