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

/** Drops undefined/null values and stringifies the rest, so attributes are always valid OTel values. */
export function compact(attributes: Record<string, unknown>): Attributes {
  const out: Attributes = {};
  addCompact(out, attributes);
  return out;
}

/**
 * `compact` of the common `attributes` option merged under the decorator's own attributes. On the hot path of
 * every traced call: one output object, no intermediate copies, labels built only when an extractor runs.
 */
export function withCommonAttributes(options: CommonTraceOptions, args: unknown[], own: Record<string, unknown>, label: string): Attributes {
  const out: Attributes = {};
  const common = options.attributes;
  if (common !== undefined) {
    const extra = typeof common === 'function' ? resolveValue(common, args, label, 'attributes extractor') : common;
    if (extra) addCompact(out, extra);
  }
  addCompact(out, own);
  return out;
}

function addCompact(out: Attributes, attributes: Record<string, unknown>): void {
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else {
      // A value String() cannot convert (a null-prototype object) is dropped, not the whole span.
      const converted = safeExecute('attribute value conversion', () => (Array.isArray(value) ? value.map(String) : String(value)));
      if (converted !== undefined) out[key] = converted;
    }
  }
}

/** Tags as a list of non-empty strings (at most 50), whatever an extractor returned. */
export function tagsOf(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const tags = value.filter((t): t is string => typeof t === 'string' && t !== '').slice(0, 50);
  return tags.length > 0 ? tags : undefined;
}
