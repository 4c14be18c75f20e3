import { diag, DiagLogLevel } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TraceNode, TraceProvider, TraceWorkflow, TracingService } from '../../lib/index.js';
import { childInput, runAsChild } from '../support/child-process.js';
import { CountingSpanExporter } from '../support/drop.exporter.js';
import { round, yieldToLoop } from '../support/stats.js';
import { startTracingApp } from '../support/tracing-setup.js';
import { REQUEST, work, type ChatRequest, type Completion } from './contenders.js';
import { counterChecks, pipelineCounts, type CounterCheck, type ExporterCounts, type PipelineCounts } from './outage.counters.js';

export interface OutageInput {
  spans: number;
  checkpoints: number;
  /** How long to let in-flight exports fail or time out before the last measurement, ms. */
  settleMs: number;
}

/** Heap and RSS after a full GC, MB. */
interface MemoryPoint {
  spans: number;
  heapMb: number;
  rssMb: number;
}

export interface OutageResult {
  spansCreated: number;
  spansPerSecond: number;
  before: MemoryPoint;
  after: MemoryPoint;
  afterSettle: MemoryPoint;
  heapGrowthMb: number;
  rssGrowthMb: number;
  /** Heap growth over the second half of the run, MB per 100k spans: ~0 when memory is bounded. */
  secondHalfSlopeMbPer100k: number;
  checkpoints: MemoryPoint[];
  /** Spans the bench made (warm-up included): runs x spans per run. */
  spansMade: number;
  /** The pipeline's own counters (`TracingService.health()`) once in-flight exports settled, before close. */
  pipeline: PipelineCounts;
  /** The same after `app.close()` (its flush fails on the closed port, or is cut by the shutdown timeout). */
  pipelineAfterClose: PipelineCounts;
  /** What a counting wrapper around the exporter saw, independently of the pipeline (read with `pipeline`). */
  exporterSaw: ExporterCounts;
  exporterSawAfterClose: ExporterCounts;
  /** Each cross-check of the counters; the suite fails when one does not hold. */
  checks: CounterCheck[];
  unhandledRejections: number;
  uncaughtExceptions: number;
  diagErrors: number;
  lastExportError: string | undefined;
}

class LlmClient {
  @TraceProvider({ provider: 'openai' })
  complete(request: ChatRequest): Promise<Completion> {
    return work(request);
  }
}

class Nodes {
  constructor(private readonly llm: LlmClient) {}

  @TraceNode({ nodeType: 'retrieve' })
  retrieve(request: ChatRequest): Promise<Completion> {
    return work(request);
  }

  @TraceNode({ nodeType: 'generate' })
  generate(request: ChatRequest): Promise<Completion> {
    return this.llm.complete(request);
  }
}

/** 5 spans per run: workflow, 3 nodes, 1 provider call under the last node. */
class Pipeline {
  static readonly SPANS = 5;
  constructor(private readonly nodes: Nodes) {}

  @TraceWorkflow({ name: 'outage' })
  async run(request: ChatRequest): Promise<Completion> {
    await this.nodes.retrieve(request);
    await this.nodes.retrieve(request);
    return this.nodes.generate(request);
  }
}

function exporterCounts(e: CountingSpanExporter): ExporterCounts {
  return { handed: e.handed, exports: e.exports, failedExports: e.failedExports, failedSpans: e.failedSpans, succeededSpans: e.succeededSpans };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function memory(spans: number): MemoryPoint {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return { spans, heapMb: round(m.heapUsed / 2 ** 20, 2), rssMb: round(m.rss / 2 ** 20, 2) };
}

async function main(): Promise<OutageResult> {
  const input = childInput<OutageInput>();
  let unhandledRejections = 0;
  let uncaughtExceptions = 0;
  process.on('unhandledRejection', () => (unhandledRejections += 1));
  process.on('uncaughtException', () => (uncaughtExceptions += 1));
  let diagErrors = 0;
  diag.setLogger(
    {
      error: () => (diagErrors += 1),
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    DiagLogLevel.WARN,
  );

  // The same pipeline `exporter: 'otlp'` builds (the OTLP/HTTP protobuf exporter behind the module's export
  // queue), with a counting wrapper around the exporter to cross-check the pipeline's own counters.
  const url = `http://127.0.0.1:${await closedPort()}/v1/traces`;
  const exporter = new CountingSpanExporter(new OTLPTraceExporter({ url, timeoutMillis: 10_000 }));
  const { app } = await startTracingApp({ serviceName: 'bench-outage', exporter, shutdownTimeoutMillis: 2_000 });
  const tracing = app.get(TracingService);
  const pipeline = new Pipeline(new Nodes(new LlmClient()));

  const runs = Math.ceil(input.spans / Pipeline.SPANS);
  const every = Math.max(1, Math.floor(runs / input.checkpoints));
  for (let i = 0; i < 200; i++) await pipeline.run(REQUEST); // warm-up
  const warmSpans = 200 * Pipeline.SPANS;
  const before = memory(0);
  const checkpoints: MemoryPoint[] = [];
  const t0 = performance.now();
  for (let i = 1; i <= runs; i++) {
    await pipeline.run(REQUEST);
    if (i % 20 === 0) await yieldToLoop(); // let sockets, timers and the batch processor run, as traffic would
    if (i % every === 0 || i === runs) checkpoints.push(memory(i * Pipeline.SPANS));
  }
  // Includes the checkpoint GCs: a lower bound on the span rate, enough to show the app keeps going.
  const elapsed = (performance.now() - t0) / 1000;
  const spansCreated = runs * Pipeline.SPANS;
  const after = memory(spansCreated);
  // Let in-flight exports fail or time out (retries back off for up to the export timeout).
  const settleUntil = Date.now() + input.settleMs;
  while (Date.now() < settleUntil && tracing.health().exporters[0]!.exporting > 0) await sleep(250);
  const afterSettle = memory(spansCreated);
  // The pipeline and the wrapper read at the same moment, before close and after it.
  const counts = pipelineCounts(tracing.health());
  const exporterSaw = exporterCounts(exporter);
  await app.close();
  const afterClose = pipelineCounts(tracing.health());
  const exporterSawAfterClose = exporterCounts(exporter);
  const spansMade = spansCreated + warmSpans;

  const half = checkpoints.filter((c) => c.spans >= spansCreated / 2);
  const first = half[0]!;
  const last = half[half.length - 1]!;
  const slope = last.spans > first.spans ? ((last.heapMb - first.heapMb) / (last.spans - first.spans)) * 100_000 : 0;
  return {
    spansCreated,
    spansPerSecond: round(spansCreated / elapsed, 0),
    before,
    after,
    afterSettle,
    heapGrowthMb: round(after.heapMb - before.heapMb, 2),
    rssGrowthMb: round(after.rssMb - before.rssMb, 2),
    secondHalfSlopeMbPer100k: round(slope, 2),
    checkpoints,
    spansMade,
    pipeline: counts,
    pipelineAfterClose: afterClose,
    exporterSaw,
    exporterSawAfterClose,
    checks: counterChecks(spansMade, { pipeline: counts, exporter: exporterSaw }, { pipeline: afterClose, exporter: exporterSawAfterClose }),
    unhandledRejections,
    uncaughtExceptions,
    diagErrors,
    lastExportError: exporter.lastError,
  };
}

runAsChild(main);
