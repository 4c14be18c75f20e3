import { context, SpanKind, trace, type Tracer } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { installRuntime } from '../../lib/core/runtime.js';
import { GenAiAttributes, TraceProvider } from '../../lib/index.js';
import { childInput, runAsChild } from '../support/child-process.js';
import { DropSpanExporter } from '../support/drop.exporter.js';
import { median, relativeSpread, round, rotate } from '../support/stats.js';
import { sharedProvider, startTracingApp, useGlobalProvider } from '../support/tracing-setup.js';
import { REQUEST, type ChatRequest } from './contenders.js';

export interface StreamingInput {
  chunks: number;
  streams: number;
  rounds: number;
}

export interface StreamingRow {
  id: string;
  label: string;
  nsPerChunk: number;
  spread: number;
  /** ns per chunk over the untraced stream, median of per-round differences. */
  overheadNsPerChunk: number;
  /** Whole-stream overhead (span start/end included) in µs. */
  overheadMicrosPerStream: number;
  spansPerStream: number;
}

interface Chunk {
  id: string;
  object: 'chat.completion.chunk';
  model: string;
  choices: Array<{ index: number; delta: { content?: string }; finish_reason: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

function makeChunks(n: number): Chunk[] {
  const chunks: Chunk[] = [];
  for (let i = 0; i < n - 1; i++) {
    chunks.push({ id: 'c', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'tok ' }, finish_reason: null }] });
  }
  // OpenAI sends usage on a last chunk without choices (`stream_options.include_usage`).
  chunks.push({ id: 'c', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 900, completion_tokens: n - 1, total_tokens: 900 + n - 1 } });
  return chunks;
}

/** An SDK-like stream: an async generator over ready chunks (the work per chunk is not what is measured). */
async function* source(chunks: readonly Chunk[]): AsyncGenerator<Chunk> {
  for (const chunk of chunks) yield chunk;
}

class StreamingLlm {
  constructor(private readonly chunks: readonly Chunk[]) {}

  @TraceProvider({ provider: 'openai' })
  stream(_request: ChatRequest & { stream: true }): AsyncGenerator<Chunk> {
    return source(this.chunks);
  }
}

/** Hand-written OTel: a span around the iteration, ended when it completes or stops. */
async function* rawTraced(tracer: Tracer, chunks: readonly Chunk[]): AsyncGenerator<Chunk> {
  const span = tracer.startSpan('chat gpt-4o-mini', { kind: SpanKind.CLIENT });
  const ctx = trace.setSpan(context.active(), span);
  const inner = source(chunks);
  try {
    for (;;) {
      const step = await context.with(ctx, () => inner.next());
      if (step.done) return;
      yield step.value;
    }
  } finally {
    span.end();
  }
}

async function drain(stream: AsyncIterable<Chunk>): Promise<number> {
  let n = 0;
  for await (const _chunk of stream) n += 1;
  return n;
}

async function main(): Promise<{ rows: StreamingRow[]; usageRecorded: boolean; chunksPerStream: number }> {
  const input = childInput<StreamingInput>();
  const exporter = new DropSpanExporter();
  const provider = sharedProvider(exporter);
  useGlobalProvider(provider);
  const { app, runtime } = await startTracingApp({ serviceName: 'bench' });
  installRuntime(runtime);
  const chunks = makeChunks(input.chunks);
  const llm = new StreamingLlm(chunks);
  const tracer = provider.getTracer('bench-raw');
  const request = { ...REQUEST, stream: true as const };

  exporter.capture = [];
  await drain(llm.stream(request));
  await provider.forceFlush();
  const sample: ReadableSpan | undefined = exporter.capture[0];
  exporter.capture = undefined;
  const usageRecorded = sample?.attributes[GenAiAttributes.USAGE_OUTPUT_TOKENS] === input.chunks - 1;

  const contenders = [
    { id: 'untraced', label: `untraced async iterable, ${input.chunks} chunks`, run: () => drain(source(chunks)) },
    { id: 'otel-floor', label: 'raw OTel span around the iteration (floor)', run: () => drain(rawTraced(tracer, chunks)) },
    { id: 'trace-provider', label: '@TraceProvider stream (usage from chunks)', run: () => drain(llm.stream(request)) },
  ];
  const samples = new Map<string, number[]>(contenders.map((c) => [c.id, []]));
  const spans = new Map<string, number>(contenders.map((c) => [c.id, 0]));
  // CPU ns per chunk (process user + system), as in per-call: time preempted by other work does not count.
  const measure = async (run: () => Promise<number>) => {
    const before = process.cpuUsage();
    for (let s = 0; s < input.streams; s++) await run();
    const used = process.cpuUsage(before);
    return ((used.user + used.system) * 1000) / (input.streams * input.chunks);
  };
  for (const c of contenders) await measure(c.run);
  await provider.forceFlush();
  for (let r = 0; r < input.rounds; r++) {
    for (const c of rotate(contenders, r)) {
      const before = exporter.received;
      samples.get(c.id)!.push(await measure(c.run));
      await provider.forceFlush();
      spans.set(c.id, spans.get(c.id)! + exporter.received - before);
    }
  }
  await app.close();
  const base = samples.get('untraced')!;
  return {
    usageRecorded,
    chunksPerStream: input.chunks,
    rows: contenders.map((c) => {
      const own = samples.get(c.id)!;
      const overhead = median(own.map((v, i) => v - base[i]!));
      return {
        id: c.id,
        label: c.label,
        nsPerChunk: round(median(own), 1),
        spread: round(relativeSpread(own), 3),
        overheadNsPerChunk: round(overhead, 1),
        overheadMicrosPerStream: round((overhead * input.chunks) / 1000, 2),
        spansPerStream: round(spans.get(c.id)! / (input.rounds * input.streams), 3),
      };
    }),
  };
}

runAsChild(main);
