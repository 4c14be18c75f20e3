/**
 * `npm run demo`: starts the sample in-process with its local model server, plays a scripted session over
 * HTTP and socket.io, checks that every expected trace arrived with the right shape, and prints a summary.
 * Exits 0 only when every check passed. Offline: no API key, no network.
 */
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CostService, TraceStoreService, TracingService } from 'nestjs-ai-tracing';
import { createSampleApp } from './bootstrap.js';
import { demoReport } from './demo/demo-report.js';
import { runDemoSession, type DemoSession } from './demo/demo-session.js';
import { SpanSet } from './demo/span-queries.js';
import { checkDemoTraces, type TraceCheck } from './demo/trace-checks.js';
import { localModelEnv, startModelServer } from './model-server/model-server.js';
import { discardQueuedRuns } from './workflows/queued/redis-connection.js';

const DEADLINE_MS = 45_000;
const SPAN_WAIT_MS = 5_000;

// Never hang: whatever happens, the process ends.
const watchdog = setTimeout(() => {
  console.error(`\ndemo: did not finish within ${DEADLINE_MS / 1000} s`);
  process.exit(2);
}, DEADLINE_MS);
watchdog.unref();

const started = performance.now();
// The first OpenAI call is answered with a 429, as an account at its rate limit would be: the SDK retries it.
const modelServer = await startModelServer({ rateLimits: { rejectFirst: { openai: 1 } } });
// The demo always talks to the local model server and keeps its spans in memory to check them; the trace
// store (.traces/) still records them, so `npm start` shows them in the explorer afterwards. Content capture is
// on, so every LLM span carries its conversation.
// Queued runs go to the shared Redis under a throwaway prefix, deleted at the end.
const queuePrefix = `support-assistant-demo-${randomUUID().slice(0, 8)}`;
Object.assign(process.env, {
  ...localModelEnv(modelServer, 'demo'),
  TRACING_EXPORTER: 'memory',
  TRACING_CAPTURE_CONTENT: 'true',
  BULLMQ_PREFIX: queuePrefix,
});

let app: INestApplication | undefined;
let exitCode = 1;
try {
  app = await createSampleApp({ envFile: false, logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  console.log(`nestjs-ai-tracing demo: support-assistant sample on ${baseUrl}, local model server on ${modelServer.url}\n`);

  const session = await runDemoSession(baseUrl, (line) => console.log(line));
  const tracing = app.get(TracingService);
  const { set, checks } = await awaitTraces(() => new SpanSet(tracing.getFinishedSpans()), session);
  const costs = app.get(CostService);
  console.log(
    demoReport(set, session, checks, {
      byUser: costs.report({ groupBy: ['user'] }),
      byModel: costs.report({ groupBy: ['model'] }),
      forecast: costs.forecast({ workflow: 'document-triage', runs: 10_000 }),
    }),
  );

  const failed = checks.filter((c) => c.problems.length > 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (failed.length === 0) {
    console.log(`\nAll ${checks.length} expected traces arrived with the expected shape (${seconds} s).`);
    if (app.get(TraceStoreService).enabled) {
      console.log(`Explore them: \`npm start\`, then open http://localhost:3000/_tracing (stored in ${process.env.TRACING_STORE_PATH ?? '.traces/sample.db'}).`);
    }
    exitCode = 0;
  } else {
    console.error(`\nDEMO FAILED: ${failed.length} of ${checks.length} traces are missing or malformed: ${failed.map((c) => c.label).join('; ')}`);
  }
} catch (error) {
  console.error('\nDEMO FAILED:', error);
} finally {
  await app?.close();
  await discardQueuedRuns(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', queuePrefix).catch(() => undefined);
  await modelServer.close();
}
clearTimeout(watchdog);
process.exitCode = exitCode;

/** Spans of calls that just answered may still be ending: re-check until all pass or the wait is over. */
async function awaitTraces(read: () => SpanSet, session: DemoSession): Promise<{ set: SpanSet; checks: TraceCheck[] }> {
  const deadline = Date.now() + SPAN_WAIT_MS;
  for (;;) {
    const set = read();
    const checks = checkDemoTraces(set, session);
    if (checks.every((c) => c.problems.length === 0) || Date.now() > deadline) return { set, checks };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
