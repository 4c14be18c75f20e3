import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { TraceNode, TraceProvider, TraceTool, TraceWorkflow, TracingService, type ConventionName } from '../../lib/index.js';
import { childInput, runAsChild } from '../support/child-process.js';
import { median, relativeSpread, round, rotate } from '../support/stats.js';
import { startTracingApp } from '../support/tracing-setup.js';

export interface ConventionsInput {
  sets: Array<{ label: string; conventions: ConventionName[] }>;
  /** Interleaved timing rounds of the OTLP/protobuf encoding, and encodings of the whole trace per round. */
  encodeRounds: number;
  encodesPerRound: number;
}

export interface ConventionsRow {
  label: string;
  captureContent: boolean;
  /** Per span role: attributes on the span, and the protobuf bytes they add to an OTLP export. */
  roles: Record<string, { attributes: number; bytes: number }>;
  /** Protobuf bytes of the whole trace's attributes (6 spans). */
  traceBytes: number;
  /** Protobuf bytes of the whole trace as exported (one request), and per span. */
  exportBytesPerSpan: number;
  /** µs to encode one span into an OTLP/protobuf request (the trace encoded at once, ÷ spans): median, spread. */
  encodeMicrosPerSpan: number;
  encodeSpread: number;
}

const SYSTEM = 'You are a support assistant for ACME. Answer briefly, cite the policy section, never invent refund amounts.';
const QUESTION = 'A customer was charged twice for the Team plan in March. Can they get the duplicate charge refunded, and how long does it take?';
const ANSWER = 'Yes. Duplicate charges are refunded in full (policy 4.2); the refund reaches the card within 5 to 10 business days.';

/** The OpenAI-shaped completion of the scenario's chat call (usage with cache and reasoning details). */
const completion = () => ({
  id: 'chatcmpl-9x8y7z',
  object: 'chat.completion',
  created: 1_760_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: ANSWER, refusal: null }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 182, completion_tokens: 41, total_tokens: 223, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
});

async function* chunks() {
  const base = { id: 'chatcmpl-stream1', object: 'chat.completion.chunk', created: 1_760_000_000, model: 'gpt-4o-mini-2024-07-18' };
  for (const word of ANSWER.split(' ')) yield { ...base, choices: [{ index: 0, delta: { content: `${word} ` }, finish_reason: null }] };
  yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
  yield { ...base, choices: [], usage: { prompt_tokens: 182, completion_tokens: 41, total_tokens: 223 } };
}

class Llm {
  @TraceProvider({ provider: 'openai' })
  async complete(_request: object) {
    return completion();
  }

  @TraceProvider({ provider: 'openai' })
  async stream(_request: object) {
    return chunks();
  }
}

class Triage {
  constructor(private readonly llm: Llm) {}

  @TraceWorkflow({ name: 'support-triage', jobId: () => 'job-1f3a9c' })
  async run(question: string) {
    const answer = await this.answer(question);
    await this.stream(question);
    return { answer, policy: this.lookup('refund duplicate charge') };
  }

  @TraceNode({ nodeType: 'answer' })
  answer(question: string) {
    return this.llm.complete(request(question, false));
  }

  @TraceNode({ nodeType: 'stream_answer' })
  async stream(question: string) {
    let text = '';
    for await (const chunk of await this.llm.stream(request(question, true))) text += (chunk as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '';
    return text;
  }

  @TraceTool({ name: 'policy_lookup' })
  lookup(query: string) {
    return { section: '4.2', query };
  }
}

function request(question: string, stream: boolean) {
  return {
    model: 'gpt-4o-mini',
    temperature: 0.2,
    max_tokens: 300,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: question },
    ],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

const serializer = ProtobufTraceSerializer;

/** Protobuf bytes that the span's attributes add to an OTLP export request. */
function attributeBytes(span: ReadableSpan): number {
  const bare = Object.create(span, { attributes: { value: {} } }) as ReadableSpan;
  return serializer.serializeRequest([span])!.length - serializer.serializeRequest([bare])!.length;
}

function roleOf(span: ReadableSpan): string {
  return String(span.attributes['gen_ai.span.type'] ?? 'other') + (span.attributes['gen_ai.request.stream'] === true ? ' (stream)' : '');
}

async function main(): Promise<{ rows: ConventionsRow[] }> {
  const { sets, encodeRounds, encodesPerRound } = childInput<ConventionsInput>();
  const rows: ConventionsRow[] = [];
  const traces: ReadableSpan[][] = [];
  for (const set of sets) {
    for (const captureContent of [false, true]) {
      const { app } = await startTracingApp({
        exporter: 'memory',
        conventions: set.conventions,
        captureContent,
        http: { enabled: false },
        websocket: { enabled: false },
        store: { enabled: false },
      });
      const tracing = app.get(TracingService);
      await tracing.withAttribution({ userId: 'user-4711', sessionId: 'thread-8c2e', tenantId: 'acme' }, () => new Triage(new Llm()).run(QUESTION));
      const spans = tracing.getFinishedSpans();
      const roles: ConventionsRow['roles'] = {};
      let traceBytes = 0;
      for (const span of spans) {
        const bytes = attributeBytes(span);
        traceBytes += bytes;
        roles[roleOf(span)] = { attributes: Object.keys(span.attributes).length, bytes };
      }
      traces.push(spans);
      const exportBytes = serializer.serializeRequest(spans)!.length;
      rows.push({ label: set.label, captureContent, roles, traceBytes, exportBytesPerSpan: round(exportBytes / spans.length, 0), encodeMicrosPerSpan: 0, encodeSpread: 0 });
      await app.close();
    }
  }
  // Encoding timed after every trace is recorded, the sets interleaved round by round (order rotated).
  const samples = traces.map((): number[] => []);
  const encode = (i: number) => {
    const spans = traces[i]!;
    const t0 = process.hrtime.bigint();
    for (let n = 0; n < encodesPerRound; n++) serializer.serializeRequest(spans);
    return Number(process.hrtime.bigint() - t0) / 1000 / encodesPerRound / spans.length;
  };
  for (let i = 0; i < traces.length; i++) encode(i);
  for (let r = 0; r < encodeRounds; r++) for (const i of rotate([...traces.keys()], r)) samples[i]!.push(encode(i));
  rows.forEach((row, i) => {
    row.encodeMicrosPerSpan = round(median(samples[i]!), 2);
    row.encodeSpread = round(relativeSpread(samples[i]!), 3);
  });
  return { rows };
}

runAsChild(main);
