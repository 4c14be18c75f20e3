import { childInput, sendToParent, type ChildMessage } from '../support/child-process.js';
import { OtlpSink } from '../support/otlp-sink.js';

/**
 * OTLP sinks in a process of their own: decoding what the apps export must not steal CPU from the load
 * generator (or from the app under test). Input: sink ids; answers `ready` with a URL per id, and `counts`.
 */
async function main(): Promise<void> {
  const { ids } = childInput<{ ids: string[] }>();
  const sinks = new Map<string, OtlpSink>();
  const urls: Record<string, string> = {};
  for (const id of ids) {
    const sink = new OtlpSink();
    urls[id] = await sink.start();
    sinks.set(id, sink);
  }
  process.on('message', (raw: unknown) => {
    const message = raw as ChildMessage;
    if (message.type === 'count') {
      const counts = Object.fromEntries(
        [...sinks].map(([id, s]) => [id, { spans: s.totalSpans, byScope: s.byScope(), weight: s.weightByScope(), exports: s.requests, bytes: s.bytes }]),
      );
      void sendToParent({ type: 'counts', counts });
    } else if (message.type === 'exit') {
      void Promise.all([...sinks.values()].map((s) => s.close())).then(() => process.exit(0));
    }
  });
  await sendToParent({ type: 'ready', urls });
}

void main();
