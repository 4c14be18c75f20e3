import { reject } from './value-parsers.js';

/**
 * A PostgreSQL connection URL from an option or variable, checked at bootstrap. An error message shows it with
 * the password replaced (`redactUrl`), never as given.
 */
export function parseDatabaseUrl(source: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return reject(source, value, 'a postgres:// URL');
  const raw = value.trim();
  if (raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return reject(source, redactUrl(raw), 'a postgres:// or postgresql:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return reject(source, redactUrl(raw), 'a postgres:// or postgresql:// URL');
  }
  return raw;
}

/** `url` with its password (and anything that looks like one in the query) shown as `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) if (/pass|secret|key/i.test(key)) parsed.searchParams.set(key, '***');
    return parsed.toString();
  } catch {
    // Unparseable: keep the scheme at most, since the rest may hold the password anywhere.
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
    return scheme ? `${scheme}***` : '***';
  }
}
