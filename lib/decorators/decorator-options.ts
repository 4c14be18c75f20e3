import type { Attributes } from '@opentelemetry/api';
import { safeExecute } from '../core/safe-execute.js';

/** A fixed value, or a function of the decorated method's arguments returning it. */
export type ValueOrExtractor<T> = T | ((...args: never[]) => T | undefined);

/** Options every trace decorator accepts. */
export interface CommonTraceOptions {
  /** Extra attributes: fixed, or computed from the method's arguments. */
  attributes?: ValueOrExtractor<Attributes>;
  /** Record arguments and result (`input.value`/`output.value`) for this method. @default module `captureContent` */
  captureContent?: boolean;
}

/**
 * Resolves a static value or runs an extractor on the call's arguments, contained: a throwing extractor
 * is reported once (naming `label`) and yields undefined; the user's call goes on untouched.
 */
export function resolveValue<T>(value: ValueOrExtractor<T> | undefined, args: unknown[], owner: string, what?: string): T | undefined {
  if (typeof value !== 'function') return value;
  const extractor = value as (...a: unknown[]) => T | undefined;
  // The label is built only here, when an extractor runs: static values cost nothing per call.
  return safeExecute(what ? `${owner} ${what}` : owner, () => extractor(...args));
}

/** Ids are strings on every span (a numeric id from an extractor too), so backends can filter on one type. */
export function asId(value: string | number | undefined): string | undefined {
  return value === undefined || value === null ? undefined : safeExecute('id conversion', () => String(value));
}

/**
 * The common `attributes` option resolved for one call, as a fresh object the decorator then adds its own
 * attributes to with `putAttribute` (which win over it). On the hot path of every traced call: one object, no
 * intermediate literal or key array, labels built only when an extractor runs.
 */
export function commonAttributes(options: CommonTraceOptions, args: unknown[], label: string): Attributes {
  const out: Attributes = {};
  const common = options.attributes;
  if (common === undefined) return out;
  const extra = typeof common === 'function' ? resolveValue(common, args, label, 'attributes extractor') : common;
  if (extra) for (const key of Object.keys(extra)) putAttribute(out, key, extra[key]);
  return out;
}

/**
 * Sets `out[key]` to `value` as a valid OpenTelemetry attribute value: skipped when undefined or null, kept when
 * a string, number or boolean, else converted with `String()` (each item of an array). A value `String()` cannot
 * convert (a null-prototype object) is dropped, not the whole span.
 */
export function putAttribute(out: Attributes, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    out[key] = value;
    return;
  }
  const converted = safeExecute('attribute value conversion', () => (Array.isArray(value) ? value.map(String) : String(value)));
  if (converted !== undefined) out[key] = converted;
}

/** Tags as a list of non-empty strings (at most 50), whatever an extractor returned. */
export function tagsOf(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const tags = value.filter((t): t is string => typeof t === 'string' && t !== '').slice(0, 50);
  return tags.length > 0 ? tags : undefined;
}
