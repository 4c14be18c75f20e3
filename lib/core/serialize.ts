const MAX_DEPTH = 8;
const MAX_KEYS = 200;

/** Default secret-looking key endings (matched on the key lower-cased with `-`/`_` removed). */
export const DEFAULT_SECRET_KEYS = [
  'apikey',
  'authorization',
  'password',
  'passwd',
  'secret',
  'token',
  'cookie',
  'privatekey',
  'credential',
  'credentials',
] as const;

/**
 * Builds the redaction predicate: a key is secret when, lower-cased and without `-`/`_`, it ends with one of
 * the default endings or equals one of `extra` (so `accessToken` and `x-api-key` match, `max_tokens` does not).
 */
export function secretKeyMatcher(extra: readonly string[]): (key: string) => boolean {
  const exact = new Set(extra.map(normaliseKey));
  return (key) => {
    const k = normaliseKey(key);
    return exact.has(k) || DEFAULT_SECRET_KEYS.some((ending) => k.endsWith(ending));
  };
}

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/**
 * JSON for span attributes that never throws: circular references, BigInt, Buffers, Maps/Sets, class instances
 * (streams and sockets become `[ClassName]`), throwing getters; secrets redacted; truncated to `maxLength`.
 */
export function safeStringify(value: unknown, maxLength: number, isSecret: (key: string) => boolean): string {
  let json: string;
  try {
    json = JSON.stringify(toJsonSafe(value, isSecret, new WeakSet(), 0)) ?? 'undefined';
  } catch {
    json = '"[unserializable]"';
  }
  return json.length > maxLength ? `${json.slice(0, Math.max(0, maxLength - 14))}...[truncated]` : json;
}

function toJsonSafe(value: unknown, isSecret: (key: string) => boolean, seen: WeakSet<object>, depth: number): unknown {
  switch (typeof value) {
    case 'string':
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
  if (seen.has(obj)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[MaxDepth]';
  if (Buffer.isBuffer(obj) || obj instanceof Uint8Array) return `[${obj.constructor.name} ${obj.byteLength} bytes]`;
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  if (obj instanceof Error) return { name: obj.name, message: obj.message };
  if (obj instanceof RegExp) return obj.toString();
  if (isEmitterLike(obj)) return `[${obj.constructor?.name ?? 'Object'}]`;
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return obj.slice(0, MAX_KEYS).map((v) => toJsonSafe(v, isSecret, seen, depth + 1));
    if (obj instanceof Map) return mapEntries([...obj.entries()], isSecret, seen, depth);
    if (obj instanceof Set) return [...obj].slice(0, MAX_KEYS).map((v) => toJsonSafe(v, isSecret, seen, depth + 1));
    const out: Record<string, unknown> = {};
    let count = 0;
    for (const key of Object.keys(obj)) {
      if (count++ >= MAX_KEYS) break;
      if (isSecret(key)) {
        out[key] = '[REDACTED]';
        continue;
      }
      let child: unknown;
      try {
        child = (obj as Record<string, unknown>)[key];
      } catch {
        child = '[Throwing getter]';
      }
      out[key] = toJsonSafe(child, isSecret, seen, depth + 1);
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

function mapEntries(
  entries: Array<[unknown, unknown]>,
  isSecret: (key: string) => boolean,
  seen: WeakSet<object>,
  depth: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries.slice(0, MAX_KEYS)) {
    const key = String(k);
    out[key] = isSecret(key) ? '[REDACTED]' : toJsonSafe(v, isSecret, seen, depth + 1);
  }
  return out;
}

/** Streams, sockets, HTTP requests and other emitters: serialising them is huge and meaningless. */
function isEmitterLike(obj: object): boolean {
  const candidate = obj as { on?: unknown; emit?: unknown };
  return typeof candidate.on === 'function' && typeof candidate.emit === 'function';
}
