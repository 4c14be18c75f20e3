import { SPAN_ROLES } from '../core/span-scope.js';
import type { Evaluator } from '../evaluation/evaluation.types.js';
import type { ConventionName } from '../genai/conventions/convention.js';
import { CONVENTION_NAMES, DEFAULT_CONVENTIONS } from '../genai/conventions/convention-set.js';
import { int } from './option-readers.js';
import type { ResolvedTracingConfig } from './resolved-config.js';
import type { TracingModuleOptions } from './tracing-options.interface.js';
import { reject, type EnvReader } from './value-parsers.js';

/** `genai` names the always-on GenAI conventions: accepted so `TRACING_CONVENTIONS=genai` means "nothing else". */
const ACCEPTED = ['genai', ...CONVENTION_NAMES];
const ALLOWED = `a list of ${ACCEPTED.map((n) => `"${n}"`).join(', ')}`;
const ROLES: readonly string[] = SPAN_ROLES;

/** Backend conventions, evaluators and their bounds. */
export function resolveGenAiSettings(
  o: TracingModuleOptions,
  env: EnvReader,
): Pick<ResolvedTracingConfig, 'conventions' | 'evaluators' | 'evaluation'> {
  return {
    conventions: conventions(o.conventions, env('TRACING_CONVENTIONS')),
    evaluators: evaluators(o.evaluators),
    evaluation: {
      timeoutMillis: int('evaluation.timeoutMillis', o.evaluation?.timeoutMillis, 'TRACING_EVALUATION_TIMEOUT', env, 1) ?? 10_000,
      maxPending: int('evaluation.maxPending', o.evaluation?.maxPending, 'TRACING_EVALUATION_MAX_PENDING', env, 1) ?? 1000,
      concurrency: int('evaluation.concurrency', o.evaluation?.concurrency, 'TRACING_EVALUATION_CONCURRENCY', env, 1) ?? 4,
    },
  };
}

function conventions(option: unknown, variable: string | undefined): ConventionName[] {
  if (option !== undefined) {
    if (!Array.isArray(option) || !option.every((n) => typeof n === 'string' && ACCEPTED.includes(n))) reject('conventions', option, ALLOWED);
    return named(option as string[]);
  }
  if (variable === undefined || variable.trim() === '') return [...DEFAULT_CONVENTIONS];
  const names = variable.split(',').map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
  if (!names.every((n) => ACCEPTED.includes(n))) reject('TRACING_CONVENTIONS', variable, `${ALLOWED}, comma-separated`);
  return named(names);
}

function named(names: readonly string[]): ConventionName[] {
  return CONVENTION_NAMES.filter((n) => names.includes(n));
}

function evaluators(value: unknown): Evaluator[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return reject('evaluators', value, 'an array of { name, evaluate(span), roles?, filter? }');
  value.forEach((e: unknown, i) => {
    const candidate = e as Partial<Evaluator> | null;
    const where = `evaluators[${i}]`;
    if (candidate === null || typeof candidate !== 'object') reject(where, e, 'an object { name, evaluate(span), roles?, filter? }');
    if (typeof candidate.name !== 'string' || candidate.name === '') reject(`${where}.name`, candidate.name, 'a non-empty string');
    if (typeof candidate.evaluate !== 'function') reject(`${where}.evaluate`, candidate.evaluate, 'a function (span) => result');
    const roles = candidate.roles;
    if (roles !== undefined && !(Array.isArray(roles) && roles.length > 0 && roles.every((r) => typeof r === 'string' && ROLES.includes(r)))) {
      reject(`${where}.roles`, roles, `a non-empty array of ${ROLES.map((r) => `"${r}"`).join(', ')}`);
    }
    if (candidate.filter !== undefined && typeof candidate.filter !== 'function') reject(`${where}.filter`, candidate.filter, 'a function (span) => boolean');
  });
  return value as Evaluator[];
}
