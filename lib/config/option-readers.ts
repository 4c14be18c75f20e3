import type { Attributes } from '@opentelemetry/api';
import { parseNumber, reject, type EnvReader } from './value-parsers.js';

/** Which of an option and its variable supplied a value (the option wins), for errors that span several settings. */
export function fromOptionOrEnv(option: string, value: unknown, variable: string, env: EnvReader): [string, unknown] {
  return value !== undefined ? [option, value] : [variable, env(variable)];
}

/** An integer >= `min` from the option, else from the variable. */
export function int(source: string, option: unknown, variable: string, env: EnvReader, min: number): number | undefined {
  return parseNumber(source, option, { min, integer: true }) ?? parseNumber(variable, env(variable), { min, integer: true });
}

/** An object of attribute values. */
export function attributesOption(source: string, value: unknown): Attributes {
  if (value === undefined) return {};
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Attributes;
  return reject(source, value, 'an object of attribute values');
}

/** An object of header name -> string value. */
export function headersOption(source: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') reject(`${source}.${k}`, v, 'a string');
    return value as Record<string, string>;
  }
  return reject(source, value, 'an object of header name -> string value');
}

/** An array of non-empty strings. */
export function stringList(source: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' && v !== '')) return value as string[];
  return reject(source, value, 'an array of non-empty strings');
}

/**
 * Keys to redact: non-empty strings that keep a letter or digit once normalised (`*` as the first character
 * makes an entry match key endings, e.g. `*token`).
 */
export function redactKeyList(value: unknown): string[] {
  const keys = stringList('redactKeys', value);
  for (const key of keys) {
    if (!/[a-z0-9]/i.test(key.replace(/^\*/, ''))) reject('redactKeys', key, 'keys with at least one letter or digit, optionally starting with * to match key endings');
  }
  return keys;
}

/** An array of strings and RegExps (paths, event names). */
export function matchers(source: string, value: unknown): Array<string | RegExp> {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => (typeof v === 'string' && v !== '') || v instanceof RegExp)) {
    return value as Array<string | RegExp>;
  }
  return reject(source, value, 'an array of strings and RegExps');
}

/** A function, when given. */
export function fn<T>(source: string, value: T | undefined): T | undefined {
  if (value === undefined || typeof value === 'function') return value;
  return reject(source, value, 'a function');
}

/** `process.env`, the default reader. */
export function processEnv(name: string): string | undefined {
  return process.env[name];
}
