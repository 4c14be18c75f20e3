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
export function resolveValue<T>(value: ValueOrExtractor<T> | undefined, args: unknown[], label: string): T | undefined {
  if (typeof value !== 'function') return value;
  const extractor = value as (...a: unknown[]) => T | undefined;
  return safeExecute(label, () => extractor(...args));
}

/** Ids are strings on every span (a numeric id from an extractor too), so backends can filter on one type. */
export function asId(value: string | number | undefined): string | undefined {
  return value === undefined || value === null ? undefined : safeExecute('id conversion', () => String(value));
}

/** Drops undefined/null values and stringifies the rest, so attributes are always valid OTel values. */
export function compact(attributes: Record<string, unknown>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else {
      // A value String() cannot convert (a null-prototype object) is dropped, not the whole span.
      const converted = safeExecute('attribute value conversion', () => (Array.isArray(value) ? value.map(String) : String(value)));
      if (converted !== undefined) out[key] = converted;
    }
  }
  return out;
}

/** `compact` of the common `attributes` option merged under the decorator's own attributes. */
export function withCommonAttributes(options: CommonTraceOptions, args: unknown[], own: Record<string, unknown>, label: string): Attributes {
  const extra = resolveValue(options.attributes, args, `${label} attributes extractor`);
  return compact({ ...(extra ?? {}), ...own });
}
