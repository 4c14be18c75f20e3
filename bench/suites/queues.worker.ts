import { Queue, Worker, type Job } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { randomUUID } from 'node:crypto';
import { installRuntime } from '../../lib/core/runtime.js';
import { BullMqTelemetry, TracingService } from '../../lib/index.js';
import { childInput, runAsChild } from '../support/child-process.js';
import { DropSpanExporter } from '../support/drop.exporter.js';
import { median, relativeSpread, round, rotate } from '../support/stats.js';
import { sharedProvider, startTracingApp, useGlobalProvider } from '../support/tracing-setup.js';

export interface QueuesInput {
  /** Jobs per contender per round, added concurrently. */
  jobs: number;
  rounds: number;
  concurrency: number;
}

export interface QueuesRow {
  id: string;
  label: string;
  /** Wall time from the first add to the last job completed, per job. */
  microsPerJob: number;
  /** CPU of this process (producer and worker) per job: the figure least disturbed by other load. */
  cpuMicrosPerJob: number;
  cpuRatio: number;
  spread: number;
  spansPerJob: number;
}

const REDIS = { host: '127.0.0.1', port: 6379 };

interface Contender {
  id: string;
  label: string;
  queue: Queue;
  completed: () => number;
}

async function main(): Promise<{ rows: QueuesRow[] }> {
  const input = childInput<QueuesInput>();
  const exporter = new DropSpanExporter();
  const provider = sharedProvider(exporter);
  useGlobalProvider(provider);
  const { app, runtime } = await startTracingApp({ serviceName: 'bench' });
  installRuntime(runtime);
  const tracing = app.get(TracingService);
  const prefix = `bench-queues-${randomUUID().slice(0, 8)}`;
  const workers: Worker[] = [];
  const contender = (id: string, label: string, telemetry: BullMqTelemetry | BullMQOtel | undefined): Contender => {
    const options = { connection: REDIS, prefix, ...(telemetry ? { telemetry } : {}) };
    let done = 0;
    const worker = new Worker(id, async (job: Job<{ n: number }>) => {
      await new Promise((resolve) => setImmediate(resolve));
      return job.data.n * 2;
    }, { ...options, concurrency: input.concurrency });
    worker.on('completed', () => (done += 1));
    workers.push(worker);
    return { id, label, queue: new Queue(id, options), completed: () => done };
  };
  const contenders = [
    contender('untraced', 'BullMQ without telemetry', undefined),
    contender('bullmq-otel', 'bullmq-otel (BullMQ spans, no attribution)', new BullMQOtel({ tracerName: 'bench' })),
    contender('library', 'BullMqTelemetry (this library)', new BullMqTelemetry()),
  ];
  const run = async (c: Contender): Promise<{ wall: number; cpu: number; spans: number }> => {
    const target = c.completed() + input.jobs;
    const spansBefore = exporter.received;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    // As an app enqueues: inside a request-like span, with a user.
    await tracing.withAttribution({ userId: 'bench-user' }, () =>
      tracing.withSpan('enqueue', () => Promise.all(Array.from({ length: input.jobs }, (_, n) => c.queue.add('job', { n })))),
    );
    while (c.completed() < target) await new Promise((resolve) => setTimeout(resolve, 1));
    const wall = Number(process.hrtime.bigint() - t0) / 1000 / input.jobs;
    const used = process.cpuUsage(cpu0);
    await provider.forceFlush();
    // The enqueue span is the same for every contender: not counted.
    return { wall, cpu: (used.user + used.system) / input.jobs, spans: (exporter.received - spansBefore - 1) / input.jobs };
  };
  for (const c of contenders) await run(c);
  const samples = new Map(contenders.map((c) => [c.id, [] as Array<{ wall: number; cpu: number; spans: number }>]));
  for (let r = 0; r < input.rounds; r++) for (const c of rotate(contenders, r)) samples.get(c.id)!.push(await run(c));
  await Promise.all(workers.map((w) => w.close()));
  for (const c of contenders) {
    await c.queue.obliterate({ force: true });
    await c.queue.close();
  }
  await app.close();
  const base = samples.get('untraced')!;
  return {
    rows: contenders.map((c) => {
      const own = samples.get(c.id)!;
      return {
        id: c.id,
        label: c.label,
        microsPerJob: round(median(own.map((s) => s.wall)), 1),
        cpuMicrosPerJob: round(median(own.map((s) => s.cpu)), 1),
        cpuRatio: round(median(own.map((s, i) => s.cpu / base[i]!.cpu)), 2),
        spread: round(relativeSpread(own.map((s) => s.cpu)), 3),
        spansPerJob: round(median(own.map((s) => s.spans)), 2),
      };
    }),
  };
}

runAsChild(main);
