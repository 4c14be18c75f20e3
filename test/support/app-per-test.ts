import { afterEach, beforeEach } from 'node:test';
import { isolateEnv } from './env.js';
import { createAuditedApp, type AuditedApp, type AuditedAppOptions } from './span-audit.js';
import { createTracedApp, type TracedApp, type TracedAppOptions } from './tracing-harness.js';
import { within } from './waits.js';

/** The apps of the running test, with their teardown registered. */
export interface AppSlot<A extends TracedApp, O> {
  /** Boots an app for the running test (options over the slot's base options); it is closed after the test. */
  boot(options?: O): Promise<A>;
  /** The app booted last in the running test; fails when there is none. */
  readonly app: A;
  /**
   * Sets environment variables for the running test only (the slot isolates and restores `process.env`); a later
   * call replaces the variables of an earlier one.
   */
  env(vars: Record<string, string>): void;
  /**
   * Runs `fn` at the start of the teardown, before the apps are closed: release what would hold a close up (a
   * hanging exporter or receiver), close a client, restore a faked clock. Last registered runs first.
   */
  defer(fn: () => unknown): void;
  /**
   * Runs `fn` at the end of the teardown, once the apps are closed: stop what they export to or write in (a
   * receiver, a provider of the test's own, a temp folder), so their last flush still has somewhere to go.
   */
  cleanup(fn: () => unknown): void;
}

/** How a slot tears down. */
export interface AppSlotOptions {
  /** Start every test from an environment without OTEL_* / TRACING_* variables. @default true */
  isolateEnv?: boolean;
  /** How long the teardown waits for each app to close (one still closing from the test included). @default 10000 */
  closeTimeoutMs?: number;
}

/**
 * One app per test: registers `beforeEach`/`afterEach` hooks in the calling suite (or file) that isolate the
 * environment and, after each test, run the deferred releases, close every app the test booted (waiting, bounded,
 * for a close the test itself started and gave up on), then run the cleanups. An app is never left running into the next
 * test, where its provider, context manager and engine runtime would change what that test sees.
 */
export function tracedAppPerTest(base: TracedAppOptions = {}, options: AppSlotOptions = {}): AppSlot<TracedApp, TracedAppOptions> {
  return appSlot((o: TracedAppOptions) => createTracedApp({ ...base, ...o, tracing: { ...base.tracing, ...o.tracing } }), options);
}

/**
 * `tracedAppPerTest` over an audited provider (`createAuditedApp`): after each test it also asserts that every
 * span started ended exactly once and nothing wrote to an ended span, before closing the app.
 */
export function auditedAppPerTest(base: AuditedAppOptions = {}, options: AppSlotOptions = {}): AppSlot<AuditedApp, AuditedAppOptions> {
  return appSlot(
    (o: AuditedAppOptions) => createAuditedApp({ ...base, ...o, tracing: { ...base.tracing, ...o.tracing } }),
    options,
    (app) => app.assertAllEndedOnce(),
  );
}

function appSlot<A extends TracedApp, O>(
  create: (options: O) => Promise<A>,
  options: AppSlotOptions,
  checkBeforeClose?: (app: A) => void | Promise<void>,
): AppSlot<A, O> {
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  let apps: A[] = [];
  let deferred: Array<() => unknown> = [];
  let cleanups: Array<() => unknown> = [];
  let restoreEnv: (() => void) | undefined;
  let envSet: string[] = [];

  beforeEach(() => {
    if (options.isolateEnv ?? true) restoreEnv = isolateEnv();
  });

  afterEach(async () => {
    const errors: unknown[] = [];
    const attempt = async (fn: () => unknown) => {
      try {
        await fn();
      } catch (error) {
        errors.push(error);
      }
    };
    for (const fn of deferred.reverse()) await attempt(fn);
    for (const app of apps.reverse()) {
      if (checkBeforeClose) await attempt(() => checkBeforeClose(app));
      await attempt(() => within(app.close(), 'app.close() in the teardown', closeTimeoutMs));
    }
    for (const fn of cleanups.reverse()) await attempt(fn);
    apps = [];
    deferred = [];
    cleanups = [];
    restoreEnv?.();
    restoreEnv = undefined;
    envSet = [];
    if (errors.length > 0) throw errors[0];
  });

  return {
    async boot(bootOptions = {} as O) {
      const app = await create(bootOptions);
      apps.push(app);
      return app;
    },
    get app() {
      const app = apps.at(-1);
      if (!app) throw new Error('no app booted in this test');
      return app;
    },
    env(vars) {
      if (!restoreEnv) throw new Error('env() needs the slot to isolate the environment (isolateEnv: true)');
      for (const name of envSet) delete process.env[name];
      Object.assign(process.env, vars);
      envSet = Object.keys(vars);
    },
    defer(fn) {
      deferred.push(fn);
    },
    cleanup(fn) {
      cleanups.push(fn);
    },
  };
}
