/**
 * Longest JSON of one span's attributes, and of its events, in the store. A span is written by any
 * instrumentation (the app's own attributes, captured content up to `maxContentLength`, another library's
 * headers), so without a bound one span could hold megabytes that every explorer page showing it would load.
 */
export const MAX_SPAN_JSON_CHARS = 32 * 1024;
/** Longest string value kept when a span's JSON is over the bound. */
const MAX_VALUE_CHARS = 1024;
const TRUNCATED = '…[truncated by the trace store]';
/** Attribute set on a stored span whose attributes were shortened. */
export const TRUNCATED_ATTRIBUTE = 'nestjs_ai_tracing.store.truncated';

/**
 * JSON of `attributes` within `MAX_SPAN_JSON_CHARS`: as is when it fits; else with long string values
 * shortened; else with the attributes that still fit, in their order. Either way marked `TRUNCATED_ATTRIBUTE`.
 */
export function boundedAttributesJson(attributes: Readonly<Record<string, unknown>>): string {
  const json = JSON.stringify(attributes);
  if (json.length <= MAX_SPAN_JSON_CHARS) return json;
  const out: Record<string, unknown> = { [TRUNCATED_ATTRIBUTE]: true };
  let size = 64;
  for (const [key, value] of Object.entries(attributes)) {
    const short = shorten(value);
    const entry = JSON.stringify(short).length + key.length + 4;
    if (size + entry > MAX_SPAN_JSON_CHARS) continue;
    out[key] = short;
    size += entry;
  }
  return JSON.stringify(out);
}

/**
 * JSON of `events` within `MAX_SPAN_JSON_CHARS`: the first events that fit, long string values shortened, and a
 * last `nestjs_ai_tracing.store.events_dropped` event counting the rest.
 */
export function boundedEventsJson(events: ReadonlyArray<{ name: string; timeMs: number; attributes?: Record<string, unknown> }>): string {
  const json = JSON.stringify(events);
  if (json.length <= MAX_SPAN_JSON_CHARS) return json;
  const kept: unknown[] = [];
  let size = 256;
  for (const event of events) {
    const short = event.attributes ? { ...event, attributes: Object.fromEntries(Object.entries(event.attributes).map(([k, v]) => [k, shorten(v)])) } : event;
    const entry = JSON.stringify(short).length + 1;
    if (size + entry > MAX_SPAN_JSON_CHARS) break;
    kept.push(short);
    size += entry;
  }
  const last = events.at(-1)!;
  kept.push({ name: 'nestjs_ai_tracing.store.events_dropped', timeMs: last.timeMs, attributes: { count: events.length - kept.length } });
  return JSON.stringify(kept);
}

function shorten(value: unknown): unknown {
  if (typeof value === 'string' && value.length > MAX_VALUE_CHARS) return `${value.slice(0, MAX_VALUE_CHARS)}${TRUNCATED}`;
  if (Array.isArray(value) && JSON.stringify(value).length > MAX_VALUE_CHARS) return `${JSON.stringify(value).slice(0, MAX_VALUE_CHARS)}${TRUNCATED}`;
  return value;
}
