/**
 * Keys whose values are secrets, for content capture and `url.query`. An entry matches a whole key segment;
 * `*entry` matches a segment's ending. Keys are compared lower-cased with everything but letters and digits
 * removed, so `apiKey`, `x-api-key`, `API_KEY` and `api key` are one key, while `max_tokens` is not `token`.
 * The short, common words (`key`, `code`, `pass`...) match only whole segments: `zipcode` and `monkey` stay.
 */
export const DEFAULT_SECRET_KEYS: readonly string[] = [
  '*apikey',
  '*accesskey',
  '*authorization',
  '*password',
  '*passwd',
  '*passcode',
  '*secret',
  '*token',
  '*cookie',
  '*privatekey',
  '*credential',
  '*credentials',
  '*sessionid',
  '*sessid',
  '*jwt',
  '*samlresponse',
  'auth',
  'code',
  'key',
  'otp',
  'pass',
];

/** Results remembered per raw key: the same DTO and parameter names come back on every call. */
const MAX_CACHED = 2048;

/**
 * Builds the redaction predicate from `extra` entries (same syntax as the defaults) plus, unless `withDefaults`
 * is false, `DEFAULT_SECRET_KEYS`. A key is split into segments at brackets and dots (`user[token]`,
 * `api_key[0]`, `token[]`, `auth.jwt`) and is secret when any segment matches.
 */
export function secretKeyMatcher(extra: readonly string[], withDefaults = true): (key: string) => boolean {
  const exact = new Set<string>();
  const endings: string[] = [];
  for (const entry of withDefaults ? [...DEFAULT_SECRET_KEYS, ...extra] : extra) {
    const suffix = entry.startsWith('*');
    const normalised = normaliseSegment(suffix ? entry.slice(1) : entry);
    if (normalised === '') continue;
    if (suffix) endings.push(normalised);
    else exact.add(normalised);
  }
  const segmentIsSecret = (segment: string): boolean => {
    if (segment === '') return false;
    if (exact.has(segment)) return true;
    for (const ending of endings) if (segment.endsWith(ending)) return true;
    return false;
  };
  const cache = new Map<string, boolean>();
  return (key) => {
    let secret = cache.get(key);
    if (secret !== undefined) return secret;
    secret = PLAIN_KEY.test(key) ? segmentIsSecret(key.toLowerCase()) : segmentsOf(key).some(segmentIsSecret);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, secret);
    return secret;
  };
}

const PLAIN_KEY = /^[A-Za-z0-9]*$/;

function segmentsOf(key: string): string[] {
  return key.split(/[[\].]/).map(normaliseSegment);
}

function normaliseSegment(segment: string): string {
  return segment.toLowerCase().replace(/[^a-z0-9]/g, '');
}
