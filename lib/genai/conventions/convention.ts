import type { Attributes } from '@opentelemetry/api';
import type { SpanOutcome } from '../../core/span-lifecycle.js';
import type { Attribution, SpanRole, SpanScope, TokenUsage } from '../../core/span-scope.js';
import type { CostResult } from '../../cost/cost.types.js';
import type { ChatMessage, MessagePart, OutputMessage, ProviderCall } from '../provider-call.js';
import type { AttributeBatch } from './attribute-batch.js';

/** Names of the conventions a user can turn on besides the always-on GenAI ones. */
export type ConventionName = 'openinference' | 'traceloop' | 'langfuse';

/** A library span about to start: where it sits and what it runs. */
export interface SpanStartInfo {
  role: SpanRole;
  attribution: Attribution;
  /** What the span runs: the workflow name, node type, agent name or tool name. */
  entityName: string | undefined;
  /** Workflow or agent the span belongs to (itself for a workflow/agent span). */
  groupName: string | undefined;
  /** Dotted names of the enclosing nodes, steps and tools (Traceloop's entity path). */
  entityPath: string | undefined;
  tags: readonly string[] | undefined;
  /** The outermost workflow of its trace (it names the trace). */
  outermostWorkflow: boolean;
}

/** A provider call that ended, with its content bounded and ready to write. */
export interface ProviderCallEnd {
  scope: SpanScope;
  call: ProviderCall;
  outcome: SpanOutcome;
  /** Input messages and system instructions, bounded and redacted (only when content is captured). */
  input: ChatMessage[] | undefined;
  systemInstructions: MessagePart[] | undefined;
  /** Output messages, bounded and redacted (only when content is captured). */
  output: OutputMessage[] | undefined;
  /** Wall-clock ms (epoch) of the first chunk of a stream. */
  firstChunkEpochMs: number | undefined;
}

/**
 * One backend's vocabulary: how the library's description of a span and of a provider call becomes that
 * backend's attributes. Start hooks write into the attributes object the span starts with; end hooks add to an
 * `AttributeBatch` set on the span in one pass (no object copies); all are optional.
 * The GenAI conventions and the library's own attributes are always on; the others are chosen with the
 * `conventions` option. Adding a backend is adding one of these.
 */
export interface Convention {
  readonly name: string;
  /** Fixed attributes of every span of `role` (computed once per set of conventions, frozen). */
  roleAttributes?(role: SpanRole, out: Attributes): void;
  /**
   * `spanStart` runs for every span (placement attributes: paths, groups, attribution copies); without it, only
   * for spans with tags and for the outermost workflow of a trace, which keeps the per-span path free of it.
   */
  readonly everySpan?: boolean;
  /** Attributes of a library span at its start that depend on where it runs. */
  spanStart?(out: Attributes, span: SpanStartInfo): void;
  /** A library root span (HTTP request, WebSocket message) is ending; `traceName` is the workflow that ran in it. */
  rootEnd?(out: AttributeBatch, traceName: string): void;
  /** Content was captured on a span (`input.value` / `output.value` JSON). */
  content?(out: AttributeBatch, scope: SpanScope, kind: 'input' | 'output', json: string, outermostWorkflow: boolean): void;
  /** A provider call starts: request attributes. */
  providerStart?(out: Attributes, call: ProviderCall, attribution: Attribution): void;
  /** A provider call ended: response, content and failure attributes. */
  providerEnd?(out: AttributeBatch, end: ProviderCallEnd): void;
  /** Token usage of a provider call; `reported` says which optional counts the provider gave. */
  usage?(out: AttributeBatch, usage: Required<TokenUsage>, reported: TokenUsage): void;
  /** The price of a provider call, and costs that are not tokens recorded on its span. */
  cost?(out: AttributeBatch, cost: CostResult, usage: Required<TokenUsage> | undefined, nonTokenUsd: number): void;
}
