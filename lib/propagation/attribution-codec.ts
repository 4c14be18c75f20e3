import { ATTRIBUTION_FIELDS, type Attribution } from '../core/span-scope.js';

/**
 * The carrier key (header, metadata field) holding the attribution. Library-owned: attribution is read from this
 * key only, never from baggage or other fields a caller controls more loosely.
 */
export const ATTRIBUTION_CARRIER_KEY = 'ai-tracing-attribution';

/** Longest encoded value accepted; a longer one is ignored whole. */
const MAX_ENCODED_LENGTH = 2048;
/** Longest single decoded field. */
const MAX_FIELD_LENGTH = 256;
// Printable characters only once decoded: no control characters, no line breaks smuggled into attributes.
const PRINTABLE = /^[^\p{Cc}]+$/u;

/**
 * `userId=alice,tenantId=acme`: the W3C baggage list syntax with percent-encoded values, so it is a valid HTTP,
 * NATS or AMQP header value. Undefined when there is nothing to send.
 */
export function encodeAttribution(attribution: Attribution): string | undefined {
  const parts: string[] = [];
  for (const field of ATTRIBUTION_FIELDS) {
    const value = attribution[field];
    if (typeof value === 'string' && value !== '' && value.length <= MAX_FIELD_LENGTH) parts.push(`${field}=${encodeURIComponent(value)}`);
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}

/**
 * The attribution in an encoded value; undefined for anything malformed (wrong type, oversized, unknown field,
 * bad percent-encoding, control characters, a repeated field): a forged or corrupt value is ignored whole, never
 * half-applied.
 */
export function decodeAttribution(raw: unknown): Attribution | undefined {
  if (typeof raw !== 'string' || raw === '' || raw.length > MAX_ENCODED_LENGTH) return undefined;
  const out: Attribution = {};
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    const field = part.slice(0, eq).trim() as keyof Attribution;
    if (eq <= 0 || !ATTRIBUTION_FIELDS.includes(field) || out[field] !== undefined) return undefined;
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
    if (value.length > MAX_FIELD_LENGTH || !PRINTABLE.test(value)) return undefined;
    out[field] = value;
  }
  return out;
}
