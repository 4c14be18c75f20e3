import type { BenchContext } from '../run.js';
import { runWorker } from '../support/child-process.js';
import { printTable } from '../support/table.js';
import type { StreamingInput, StreamingRow } from './streaming.worker.js';

/** Suite 5: what tracing adds per chunk of a streamed LLM answer. */
export async function runStreaming(ctx: BenchContext): Promise<unknown> {
  const input: StreamingInput = ctx.quick ? { chunks: 500, streams: 20, rounds: 3 } : { chunks: 500, streams: 200, rounds: 15 };
  const result = await runWorker<{ rows: StreamingRow[]; usageRecorded: boolean; chunksPerStream: number }>(
    new URL('./streaming.worker.js', import.meta.url),
    input,
  );
  printTable(
    `streaming: ${result.chunksPerStream}-chunk stream, CPU ns/chunk (median of ${input.rounds} interleaved rounds of ${input.streams} streams)`,
    ['contender', 'ns/chunk', '±', 'overhead ns/chunk', 'overhead µs/stream', 'spans/stream'],
    result.rows.map((r) => [r.label, r.nsPerChunk, `${(r.spread * 100).toFixed(1)}%`, r.overheadNsPerChunk, r.overheadMicrosPerStream, r.spansPerStream]),
    [`usage read from the stream's last chunk onto the span: ${result.usageRecorded ? 'yes' : 'NO'}`],
  );
  return result;
}
