/**
 * The sample's own settings, read from the environment and `sample-app/.env` (see `.env.example`).
 * Tracing settings (`TRACING_*`, `OTEL_*`) are read by the library itself through the same ConfigService.
 */
export interface SampleEnvironment {
  /** HTTP port. */
  PORT: number;
  /** Port of the embedded local model server; 0 picks a free one. */
  MODEL_SERVER_PORT: number;
  OPENAI_API_KEY?: string;
  OPENAI_BASE_URL?: string;
  ANTHROPIC_API_KEY?: string;
  ANTHROPIC_BASE_URL?: string;
  /** Models each feature uses. */
  SUMMARY_MODEL: string;
  CLASSIFIER_MODEL: string;
  CHAT_MODEL: string;
  PLANNER_MODEL: string;
  AGENT_MODEL: string;
  /** `service.name` of the spans. */
  OTEL_SERVICE_NAME?: string;
  /** Trace store (on by default in the sample) and its SQLite file. */
  TRACING_STORE_ENABLED: boolean;
  TRACING_STORE_PATH: string;
  /** Redis of the queued runs (BullMQ); when it is not reachable at startup, queued runs answer 503. */
  REDIS_URL: string;
  /** Key prefix of the BullMQ queues, so several apps (or test runs) can share one Redis. */
  BULLMQ_PREFIX: string;
}

const DEFAULTS = {
  PORT: 3000,
  MODEL_SERVER_PORT: 0,
  SUMMARY_MODEL: 'claude-haiku-4-5',
  CLASSIFIER_MODEL: 'gpt-4o-mini',
  CHAT_MODEL: 'gpt-4o-mini',
  PLANNER_MODEL: 'o4-mini',
  AGENT_MODEL: 'claude-haiku-4-5',
  TRACING_STORE_PATH: '.traces/sample.db',
  REDIS_URL: 'redis://127.0.0.1:6379',
  BULLMQ_PREFIX: 'support-assistant',
} as const;

/**
 * `ConfigModule`'s `validate` hook: applies defaults and fails startup with one message listing every bad
 * variable. Unknown variables pass through untouched (the tracing library reads its own).
 */
export function validateEnvironment(raw: Record<string, unknown>): Record<string, unknown> {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = raw[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const port = (name: 'PORT' | 'MODEL_SERVER_PORT'): number => {
    const value = text(name);
    if (value === undefined) return DEFAULTS[name];
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) problems.push(`${name} must be a port number (0-65535), got "${value}"`);
    return n;
  };
  const url = (name: string): string | undefined => {
    const value = text(name);
    if (value !== undefined && !/^https?:\/\/\S+$/.test(value)) problems.push(`${name} must be an http(s) URL, got "${value}"`);
    return value;
  };
  const redisUrl = (): string => {
    const value = text('REDIS_URL');
    if (value !== undefined && !/^rediss?:\/\/\S+$/.test(value)) problems.push(`REDIS_URL must be a redis:// or rediss:// URL, got "${value}"`);
    return value ?? DEFAULTS.REDIS_URL;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const value = text(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    problems.push(`${name} must be true or false, got "${value}"`);
    return fallback;
  };
  const env: SampleEnvironment = {
    PORT: port('PORT'),
    MODEL_SERVER_PORT: port('MODEL_SERVER_PORT'),
    OPENAI_API_KEY: text('OPENAI_API_KEY'),
    OPENAI_BASE_URL: url('OPENAI_BASE_URL'),
    ANTHROPIC_API_KEY: text('ANTHROPIC_API_KEY'),
    ANTHROPIC_BASE_URL: url('ANTHROPIC_BASE_URL'),
    SUMMARY_MODEL: text('SUMMARY_MODEL') ?? DEFAULTS.SUMMARY_MODEL,
    CLASSIFIER_MODEL: text('CLASSIFIER_MODEL') ?? DEFAULTS.CLASSIFIER_MODEL,
    CHAT_MODEL: text('CHAT_MODEL') ?? DEFAULTS.CHAT_MODEL,
    PLANNER_MODEL: text('PLANNER_MODEL') ?? DEFAULTS.PLANNER_MODEL,
    AGENT_MODEL: text('AGENT_MODEL') ?? DEFAULTS.AGENT_MODEL,
    OTEL_SERVICE_NAME: text('OTEL_SERVICE_NAME'),
    TRACING_STORE_ENABLED: flag('TRACING_STORE_ENABLED', true),
    TRACING_STORE_PATH: text('TRACING_STORE_PATH') ?? DEFAULTS.TRACING_STORE_PATH,
    REDIS_URL: redisUrl(),
    BULLMQ_PREFIX: text('BULLMQ_PREFIX') ?? DEFAULTS.BULLMQ_PREFIX,
  };
  if (problems.length > 0) throw new Error(`Invalid sample-app configuration:\n  - ${problems.join('\n  - ')}`);
  return { ...raw, ...env };
}
