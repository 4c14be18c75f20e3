import type { StandardSchemaV1 } from '@standard-schema/spec';

/** Reads one field: returns its parsed value or throws a `FieldError` saying what is wrong. */
export type FieldRule<T> = (value: unknown) => T;

class FieldError extends Error {}

/**
 * A Standard Schema for a DTO, for `@Body({ schema })` / `@MessageBody({ schema })` with Nest's
 * `StandardSchemaValidationPipe`: unknown fields are dropped, every bad field is reported (400 with the list).
 */
export function objectSchema<T extends object>(rules: { [K in keyof T]-?: FieldRule<T[K]> }): StandardSchemaV1<unknown, T> {
  return {
    '~standard': {
      version: 1,
      vendor: 'sample-app',
      validate(input: unknown): StandardSchemaV1.Result<T> {
        if (input === null || typeof input !== 'object' || Array.isArray(input)) return { issues: [{ message: 'expected a JSON object' }] };
        const issues: StandardSchemaV1.Issue[] = [];
        const out: Record<string, unknown> = {};
        for (const [key, rule] of Object.entries(rules) as Array<[string, FieldRule<unknown>]>) {
          try {
            const value = rule((input as Record<string, unknown>)[key]);
            if (value !== undefined) out[key] = value;
          } catch (error) {
            if (!(error instanceof FieldError)) throw error;
            issues.push({ message: error.message, path: [key] });
          }
        }
        return issues.length > 0 ? { issues } : { value: out as T };
      },
    },
  };
}

/** Field rules. */
export const field = {
  /** A trimmed string of `min`..`max` characters, optionally matching `pattern`. */
  string(options: { min?: number; max?: number; pattern?: RegExp } = {}): FieldRule<string> {
    const { min = 1, max = 10_000, pattern } = options;
    return (value) => {
      if (typeof value !== 'string') throw new FieldError('must be a string');
      const text = value.trim();
      if (text.length < min || text.length > max) throw new FieldError(`must be ${min} to ${max} characters long`);
      if (pattern && !pattern.test(text)) throw new FieldError(`must match ${pattern}`);
      return text;
    };
  },
  /** One of `values`. */
  oneOf<V extends string>(values: readonly V[]): FieldRule<V> {
    return (value) => {
      if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) throw new FieldError(`must be one of: ${values.join(', ')}`);
      return value as V;
    };
  },
  /** A nested object checked by `schema` (its issues are reported under this field). */
  object<V>(schema: StandardSchemaV1<unknown, V>): FieldRule<V> {
    return (value) => {
      const result = schema['~standard'].validate(value);
      if (result instanceof Promise) throw new Error('object-schema: nested schemas must validate synchronously');
      if (result.issues) {
        throw new FieldError(result.issues.map((i) => `${i.path?.length ? `${i.path.map(String).join('.')} ` : ''}${i.message}`).join('; '));
      }
      return result.value;
    };
  },
  /** `rule` when the field is present, else `fallback`. */
  optional<V, F extends V | undefined = undefined>(rule: FieldRule<V>, fallback?: F): FieldRule<V | F> {
    return (value) => (value === undefined || value === null ? (fallback as F) : rule(value));
  },
};
