const MAX_DEPTH = 8;
const MAX_KEYS = 200;

const TRUNCATED = '...[truncated]';

/** One serialization: the redaction predicate, the objects on the current path, and the work left. */
interface Walk {
  isSecret: (key: string) => boolean;
  seen: WeakSet<object>;
  /**
   * Characters still worth producing. Every value is charged at most what it adds to the JSON, so once the
   * budget is spent the output is sure to be truncated and the rest of a huge input is not even visited.
   */
  budget: number;
}

/**
 * JSON for span attributes that never throws: circular references, BigInt, Buffers, Maps/Sets, class instances
 * (streams and sockets become `[ClassName]`), throwing getters; secrets redacted; truncated to `maxLength`.
 * The work is bounded by `maxLength`, not by the size of `value`.
 */
export function safeStringify(value: unknown, maxLength: number, isSecret: (key: string) => boolean): string {
  let json: string;
  try {
    json = JSON.stringify(toJsonSafe(value, { isSecret, seen: new WeakSet(), budget: maxLength }, 0)) ?? 'undefined';
  } catch {
    json = '"[unserializable]"';
  }
  if (json.length <= maxLength) return json;
  let cut = Math.max(0, maxLength - TRUNCATED.length);
  // Never split a surrogate pair: a lone half is invalid UTF-16 and exporters mangle it.
  if (cut > 0 && isHighSurrogate(json.charCodeAt(cut - 1))) cut -= 1;
  return `${json.slice(0, cut)}${TRUNCATED}`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function toJsonSafe(value: unknown, walk: Walk, depth: number): unknown {
  walk.budget -= 1;
  switch (typeof value) {
    case 'string':
      if (value.length > walk.budget) value = value.slice(0, Math.max(0, walk.budget) + 1);
      walk.budget -= (value as string).length;
      return value;
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
      return undefined;
    case 'function':
      return `[Function ${value.name || 'anonymous'}]`;
    case 'symbol':
      return value.toString();
  }
  if (value === null) return null;
  const obj = value as object;
  if (walk.seen.has(obj)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[MaxDepth]';
  try {
    if (Buffer.isBuffer(obj) || obj instanceof Uint8Array) return `[${obj.constructor.name} ${obj.byteLength} bytes]`;
    if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    if (obj instanceof Error) return { name: obj.name, message: obj.message };
    if (obj instanceof RegExp) return obj.toString();
    if (isEmitterLike(obj)) return `[${obj.constructor?.name ?? 'Object'}]`;
    walk.seen.add(obj);
    try {
      if (Array.isArray(obj) || obj instanceof Set) return listOf(obj, walk, depth);
      if (obj instanceof Map) return entriesOf(obj.entries(), walk, depth);
      return entriesOf(ownEntries(obj, walk.isSecret), walk, depth);
    } finally {
      walk.seen.delete(obj);
    }
  } catch {
    // A proxy trap, a throwing getter on a built-in check...: this value only, not the whole capture.
    return '[Unserializable]';
  }
}

function listOf(items: Iterable<unknown>, walk: Walk, depth: number): unknown[] {
  const out: unknown[] = [];
  for (const item of items) {
    if (out.length >= MAX_KEYS || walk.budget < 0) break;
    out.push(toJsonSafe(item, walk, depth + 1));
  }
  return out;
}

function entriesOf(entries: Iterable<[unknown, unknown]>, walk: Walk, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [k, v] of entries) {
    if (count++ >= MAX_KEYS || walk.budget < 0) break;
    if (v === undefined) continue; // JSON drops it: charging it would stop the walk without truncating
    const key = String(k);
    walk.budget -= key.length + 1;
    out[key] = walk.isSecret(key) ? '[REDACTED]' : toJsonSafe(v, walk, depth + 1);
  }
  return out;
}

/** Own enumerable string-keyed properties, read lazily (secret ones not at all); a throwing getter yields a marker. */
function* ownEntries(obj: object, isSecret: (key: string) => boolean): Generator<[string, unknown]> {
  for (const key of Object.keys(obj)) {
    let child: unknown = '[REDACTED]';
    try {
      if (!isSecret(key)) child = (obj as Record<string, unknown>)[key];
    } catch {
      child = '[Throwing getter]';
    }
    yield [key, child];
  }
}

/** Streams, sockets, HTTP requests and other emitters: serialising them is huge and meaningless. */
function isEmitterLike(obj: object): boolean {
  const candidate = obj as { on?: unknown; emit?: unknown };
  return typeof candidate.on === 'function' && typeof candidate.emit === 'function';
}
