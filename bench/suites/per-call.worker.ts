import { SpanKind, trace, type Attributes, type TracerProvider } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { initialize as initializeTraceloop } from '@traceloop/node-server-sdk';
import { installRuntime, type TracingRuntime } from '../../lib/core/runtime.js';
import { CostAttributes, GenAiAttributes } from '../../lib/index.js';
import { childInput, runAsChild } from '../support/child-process.js';
import { DropSpanExporter } from '../support/drop.exporter.js';
import { measureCalls } from '../support/call-timing.js';
import { median, pairedRatio, relativeSpread, round, rotate, type PairedRatio } from '../support/stats.js';
import { globalDelegate, sharedProvider, startTracingApp, useGlobalProvider } from '../support/tracing-setup.js';
import { installedVersion } from '../support/machine.js';
import {
  LlmService,
  NestjsOtelSameAttributesService,
  NestjsOtelService,
  NodeService,
  OUR_SPAN_NAMES,
  PlainService,
  RawOtelService,
  REQUEST,
  SAME_AS_OURS,
  TraceloopNoContentService,
  type SpanShape,
  TraceloopService,
  WorkflowService,
} from './contenders.js';

export interface PerCallInput {
  rounds: number;
  warmupRounds: number;
  /** Calls per contender per round (a workflow call counts as one call of 4 spans). */
  callOps: number;
  workflowOps: number;
}

export interface PerCallRow {
  id: string;
  label: string;
  shape: Shape;
  /** Which floor the ratio is taken against. */
  floor: string;
  /** CPU ns per op (process user + system), median over rounds; every ratio below is of CPU time. */
  nsPerOp: number;
  spread: number;
  /** Wall-clock ns per op, and its ratio to the floor, for reference. */
  wallNsPerOp: number;
  wallVsFloor: PairedRatio;
  /** ns/op ÷ floor ns/op, median of per-round ratios (interleaved rounds cancel drift). */
  ratioToFloor: number;
  /** The same ratio with its MAD and whether it differs from 1 beyond the spread. */
  vsFloor: PairedRatio;
  /** (ns/op - plain) ÷ (floor - plain): the tracing cost alone, relative to the floor's. */
  overheadVsFloor: number;
  /** ns/op - plain ns/op. */
  overheadNs: number;
  spansPerOpExpected: number;
  spansPerOpExported: number;
  /** Attributes on the contender's last exported span (what it records, and what export has to encode). */
  attributesPerSpan: number | undefined;
  notes: string[];
}

/** Contenders are compared with the floor and the plain call of their shape. */
type Shape = 'call' | 'provider' | 'workflow';

const FLOOR: Record<Shape, string> = { call: 'otel-floor', provider: 'otel-floor-provider', workflow: 'otel-floor-workflow' };
const PLAIN: Record<Shape, string> = { call: 'plain', provider: 'plain', workflow: 'plain-workflow' };

interface Contender {
  id: string;
  label: string;
  shape: Shape;
  spansPerOp: number;
  op: () => Promise<unknown>;
  runtime: TracingRuntime;
  global: TracerProvider;
  exporter: DropSpanExporter;
  flush: () => Promise<void>;
  notes: string[];
}

async function main(): Promise<{ rows: PerCallRow[]; setup: Record<string, string> }> {
  const input = childInput<PerCallInput>();

  // 1. TracingModule with its own provider (the default path: it creates provider + batch processor).
  const ownExporter = new DropSpanExporter();
  const own = await startTracingApp({ serviceName: 'bench', exporter: ownExporter });
  const ownProvider = globalDelegate()!;

  // 2. Traceloop, initialised so it cannot phone home: custom exporter, no API key, prompt sync off.
  trace.disable(); // frees the global slot so Traceloop's NodeSDK registers its own provider
  const traceloopExporter = new DropSpanExporter();
  initializeTraceloop({
    appName: 'bench',
    baseUrl: 'http://127.0.0.1:9',
    exporter: traceloopExporter,
    traceloopSyncEnabled: false,
    silenceInitializationMessage: true,
  });
  const traceloopProvider = globalDelegate();
  if (!traceloopProvider) throw new Error('Traceloop did not register a tracer provider');

  // 3. The shared provider every other contender uses; TracingModule finds it and reuses it.
  const sharedExporter = new DropSpanExporter();
  const shared = sharedProvider(sharedExporter);
  useGlobalProvider(shared);
  const reused = await startTracingApp({ serviceName: 'bench' });
  const disabled = await startTracingApp({ enabled: false });
  installRuntime(reused.runtime);

  const flushOf = (p: TracerProvider) => () => (p as unknown as { forceFlush(): Promise<void> }).forceFlush();
  const plain = new PlainService();
  const nodes = new NodeService();
  const flows = new WorkflowService(nodes);
  const llm = new LlmService();
  const nestjsOtel = new NestjsOtelService();
  const nestjsOtelSame = new NestjsOtelSameAttributesService();
  const traceloop = new TraceloopService();
  const traceloopQuiet = new TraceloopNoContentService();

  // The floor's spans copy the decorated ones' names and attributes.
  const sample = async (fn: () => Promise<unknown>): Promise<ReadableSpan[]> => {
    sharedExporter.capture = [];
    await fn();
    await shared.forceFlush();
    const spans = sharedExporter.capture;
    sharedExporter.capture = undefined;
    return spans;
  };
  const [nodeSpan] = await sample(() => nodes.step(REQUEST));
  const workflowSpans = await sample(() => flows.run(REQUEST));
  const [providerSpan] = await sample(() => llm.complete(REQUEST));
  const wfSpan = workflowSpans.find((s) => s.name.startsWith('invoke_workflow'))!;
  const wfNode = workflowSpans.find((s) => s.name.startsWith('node'))!;
  if (nodeSpan!.name !== OUR_SPAN_NAMES.node || wfSpan.name !== OUR_SPAN_NAMES.workflow) {
    throw new Error(`nestjs-otel's same-attributes contender names its spans ${JSON.stringify(OUR_SPAN_NAMES)}, ours are "${nodeSpan!.name}" and "${wfSpan.name}"`);
  }
  // The raw floor and nestjs-otel given our attributes record the same copies of our spans' kinds and attributes.
  const shapeOf = (span: ReadableSpan): SpanShape => ({ kind: span.kind, attributes: { ...span.attributes } as Attributes });
  Object.assign(SAME_AS_OURS.node, shapeOf(nodeSpan!));
  Object.assign(SAME_AS_OURS.workflow, shapeOf(wfSpan));
  Object.assign(SAME_AS_OURS.workflowNode, shapeOf(wfNode));
  const rawProvider = new RawOtelService(
    shared.getTracer('bench-raw'),
    { name: providerSpan!.name, ...shapeOf(providerSpan!) },
    { name: '', kind: SpanKind.INTERNAL, attributes: {}, nodeAttributes: {} },
  );
  const raw = new RawOtelService(
    shared.getTracer('bench-raw'),
    { name: nodeSpan!.name, ...SAME_AS_OURS.node },
    { name: wfSpan.name, ...SAME_AS_OURS.workflow, nodeAttributes: SAME_AS_OURS.workflowNode.attributes },
  );
  const providerNotes: string[] = [];
  const providerAttrs = providerSpan!.attributes;
  if (providerAttrs[GenAiAttributes.USAGE_INPUT_TOKENS] === undefined) providerNotes.push('usage attributes not recorded');
  if (providerAttrs[CostAttributes.USD] === undefined) providerNotes.push('cost not recorded (no cost recorder installed by TracingModule)');
  if (providerSpan!.kind !== SpanKind.CLIENT) providerNotes.push('unexpected span kind');

  const base = { runtime: reused.runtime, global: shared as TracerProvider, exporter: sharedExporter, flush: flushOf(shared), notes: [] };
  const tl = { runtime: reused.runtime, global: traceloopProvider, exporter: traceloopExporter, flush: flushOf(traceloopProvider), notes: [] };
  const contenders: Contender[] = [
    { ...base, id: 'plain', label: 'plain async method (no tracing)', shape: 'call', spansPerOp: 0, op: () => plain.step(REQUEST) },
    { ...base, id: 'otel-floor', label: 'raw OTel startActiveSpan + end (floor)', shape: 'call', spansPerOp: 1, op: () => raw.step(REQUEST) },
    { ...base, id: 'trace-node', label: '@TraceNode', shape: 'call', spansPerOp: 1, op: () => nodes.step(REQUEST) },
    {
      ...base,
      id: 'trace-node-own-provider',
      label: "@TraceNode, TracingModule's own provider",
      shape: 'call',
      spansPerOp: 1,
      op: () => nodes.step(REQUEST),
      runtime: own.runtime,
      exporter: ownExporter,
      flush: flushOf(ownProvider),
      notes: ['provider created by TracingModule (its sampler and resource), not the shared one'],
    },
    {
      ...base,
      id: 'otel-floor-provider',
      label: 'raw OTel, same span as @TraceProvider (floor)',
      shape: 'provider',
      spansPerOp: 1,
      op: () => rawProvider.step(REQUEST),
      notes: ["all of @TraceProvider's final attributes set at start by hand; no usage reading or pricing"],
    },
    {
      ...base,
      id: 'trace-provider',
      label: '@TraceProvider (usage + cost)',
      shape: 'provider',
      spansPerOp: 1,
      op: () => llm.complete(REQUEST),
      notes: providerNotes,
    },
    { ...base, id: 'nestjs-otel', label: 'nestjs-otel @Span', shape: 'call', spansPerOp: 1, op: () => nestjsOtel.step(REQUEST) },
    {
      ...base,
      id: 'nestjs-otel-same',
      label: 'nestjs-otel @Span, our attributes',
      shape: 'call',
      spansPerOp: 1,
      op: () => nestjsOtelSame.step(REQUEST),
      notes: ["@TraceNode's span name, kind and attributes, given to @Span as static options"],
    },
    {
      ...tl,
      id: 'traceloop',
      label: 'Traceloop @task (defaults)',
      shape: 'call',
      spansPerOp: 1,
      op: () => traceloop.step(REQUEST),
      notes: ['its own pipeline: NodeSDK provider, its span processor hooks around a batch processor, same drop exporter; content capture on (its default)'],
    },
    {
      ...tl,
      id: 'traceloop-no-content',
      label: 'Traceloop @task (traceContent: false)',
      shape: 'call',
      spansPerOp: 1,
      op: () => traceloopQuiet.step(REQUEST),
    },
    {
      ...base,
      id: 'disabled',
      label: '@TraceNode, tracing disabled',
      shape: 'call',
      spansPerOp: 0,
      op: () => nodes.step(REQUEST),
      runtime: disabled.runtime,
      notes: ['TracingModule.forRoot({ enabled: false })'],
    },
    { ...base, id: 'plain-workflow', label: 'plain workflow, 3 steps (no tracing)', shape: 'workflow', spansPerOp: 0, op: () => plain.run(REQUEST) },
    { ...base, id: 'otel-floor-workflow', label: 'raw OTel, 1 + 3 nested spans (floor)', shape: 'workflow', spansPerOp: 4, op: () => raw.run(REQUEST) },
    { ...base, id: 'trace-workflow', label: '@TraceWorkflow + 3 @TraceNode', shape: 'workflow', spansPerOp: 4, op: () => flows.run(REQUEST) },
    { ...base, id: 'nestjs-otel-workflow', label: 'nestjs-otel @Span, 1 + 3 nested', shape: 'workflow', spansPerOp: 4, op: () => nestjsOtel.run(REQUEST) },
    {
      ...base,
      id: 'nestjs-otel-same-workflow',
      label: 'nestjs-otel @Span, 1 + 3 nested, our attributes',
      shape: 'workflow',
      spansPerOp: 4,
      op: () => nestjsOtelSame.run(REQUEST),
      notes: ["the workflow's and its nodes' span names, kinds and attributes, given to @Span as static options"],
    },
    { ...tl, id: 'traceloop-workflow', label: 'Traceloop @workflow + 3 @task (defaults)', shape: 'workflow', spansPerOp: 4, op: () => traceloop.run(REQUEST) },
  ];

  const samples = new Map<string, number[]>(contenders.map((c) => [c.id, []]));
  const wallSamples = new Map<string, number[]>(contenders.map((c) => [c.id, []]));
  const exported = new Map<string, number>(contenders.map((c) => [c.id, 0]));
  const attributes = new Map<string, number>();
  const opsOf = (c: Contender) => (c.shape === 'workflow' ? input.workflowOps : input.callOps);

  const runOne = async (c: Contender, record: boolean) => {
    installRuntime(c.runtime);
    useGlobalProvider(c.global);
    const before = c.exporter.received;
    const ns = await measureCalls(c.op, opsOf(c));
    await c.flush();
    if (record) {
      samples.get(c.id)!.push(ns.cpu);
      wallSamples.get(c.id)!.push(ns.wall);
      exported.set(c.id, exported.get(c.id)! + c.exporter.received - before);
      if (c.exporter.received > before && c.exporter.last) attributes.set(c.id, Object.keys(c.exporter.last.attributes).length);
    }
  };

  for (let r = 0; r < input.warmupRounds; r++) for (const c of contenders) await runOne(c, false);
  for (let r = 0; r < input.rounds; r++) {
    for (const c of rotate(contenders, r)) await runOne(c, true);
  }
  installRuntime(reused.runtime);
  useGlobalProvider(shared);

  const rows = contenders.map((c): PerCallRow => {
    const own = samples.get(c.id)!;
    const floor = samples.get(FLOOR[c.shape])!;
    const base = samples.get(PLAIN[c.shape])!;
    const perRound = (f: (i: number) => number) => median(own.map((_, i) => f(i)));
    return {
      id: c.id,
      label: c.label,
      shape: c.shape,
      floor: FLOOR[c.shape],
      nsPerOp: round(median(own), 1),
      spread: round(relativeSpread(own), 3),
      wallNsPerOp: round(median(wallSamples.get(c.id)!), 1),
      wallVsFloor: pairedRatio(wallSamples.get(c.id)!, wallSamples.get(FLOOR[c.shape])!),
      ratioToFloor: round(perRound((i) => own[i]! / floor[i]!), 3),
      vsFloor: pairedRatio(own, floor),
      overheadVsFloor: round(perRound((i) => (own[i]! - base[i]!) / (floor[i]! - base[i]!)), 3),
      overheadNs: round(perRound((i) => own[i]! - base[i]!), 1),
      spansPerOpExpected: c.spansPerOp,
      spansPerOpExported: round(exported.get(c.id)! / (opsOf(c) * input.rounds), 3),
      attributesPerSpan: attributes.get(c.id),
      notes: c.notes,
    };
  });

  await Promise.all([own.app.close(), reused.app.close(), disabled.app.close()]);
  return {
    rows,
    setup: {
      provider: `BasicTracerProvider (sdk-trace-base ${installedVersion('@opentelemetry/sdk-trace-base')}) + BatchSpanProcessor (defaults) + an exporter that drops spans`,
      traceloop: 'initialize({ exporter: drop, traceloopSyncEnabled: false }): NodeSDK provider with its span processor',
      timing: `median of ${input.rounds} interleaved rounds (order rotated each round) after ${input.warmupRounds} warm-up rounds; ${input.callOps} calls (${input.workflowOps} workflows) per contender per round`,
    },
  };
}

runAsChild(main);
