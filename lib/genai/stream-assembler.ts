import { toolArguments } from './message-parts.js';
import type { MessagePart, OutputMessage } from './provider-call.js';

const TRUNCATED = '...[truncated]';

interface TextBuffer {
  type: 'text' | 'reasoning';
  pieces: string[];
}

interface ToolBuffer {
  type: 'tool_call';
  id: string | undefined;
  name: string;
  /** Streamed JSON fragments, or a complete value when the SDK gives the call whole. */
  pieces: string[];
  value?: unknown;
}

interface Choice {
  parts: Array<TextBuffer | ToolBuffer>;
  tools: Map<unknown, ToolBuffer>;
}

/**
 * Builds the output messages of a streamed call from its chunks: text, reasoning and tool-call deltas, per
 * choice, in order. Bounded: at most `maxChars` characters of content are kept (the rest is dropped and the
 * output marked truncated), so a long stream costs bounded memory. Only exists when content is captured.
 */
export class StreamAssembler {
  private readonly choices: Choice[] = [];
  private budget: number;
  private truncated = false;
  /** A complete answer seen at the end of the stream (Responses API `response.completed`) replaces the deltas. */
  private final: OutputMessage[] | undefined;

  constructor(maxChars: number) {
    this.budget = maxChars;
  }

  /** Appends text (or reasoning) to choice `index`. */
  text(index: number, kind: 'text' | 'reasoning', piece: unknown): void {
    if (typeof piece !== 'string' || piece === '') return;
    const parts = this.choice(index).parts;
    const last = parts.at(-1);
    const kept = this.take(piece);
    if (kept === '') return;
    if (last && last.type === kind) last.pieces.push(kept);
    else parts.push({ type: kind, pieces: [kept] });
  }

  /** A tool call starts (or is seen again with more of its identity) under `key` within choice `index`. */
  toolStart(index: number, key: unknown, id: string | undefined, name: string | undefined): void {
    const choice = this.choice(index);
    let tool = choice.tools.get(key);
    if (!tool) {
      tool = { type: 'tool_call', id, name: name ?? 'unknown', pieces: [] };
      choice.tools.set(key, tool);
      choice.parts.push(tool);
    } else {
      tool.id ??= id;
      if (name) tool.name = name;
    }
  }

  /** A fragment of a tool call's JSON arguments. */
  toolArguments(index: number, key: unknown, fragment: unknown): void {
    if (typeof fragment !== 'string' || fragment === '') return;
    const tool = this.choice(index).tools.get(key);
    if (!tool) return;
    const kept = this.take(fragment);
    if (kept !== '') tool.pieces.push(kept);
  }

  /** A tool call given whole (Vercel AI SDK `tool-call`, Gemini `functionCall`, Ollama). */
  toolCall(index: number, id: string | undefined, name: string | undefined, value: unknown): void {
    const choice = this.choice(index);
    const tool: ToolBuffer = { type: 'tool_call', id, name: name ?? 'unknown', pieces: [], value };
    choice.tools.set(Symbol(), tool);
    choice.parts.push(tool);
  }

  /** The complete answer, when the stream ends with one. */
  replaceWith(output: OutputMessage[] | undefined): void {
    if (output) this.final = output;
  }

  /** The output messages so far; `finishReasons` by choice, or `fallback` where the stream gave none (it ended early). */
  messages(finishReasons: readonly string[] | undefined, fallback: string): OutputMessage[] {
    if (this.final) return this.final;
    return this.choices.map((choice, i) => {
      const parts: MessagePart[] = choice.parts.map((p) => (p.type === 'tool_call' ? toolPart(p) : { type: p.type, content: p.pieces.join('') }));
      if (this.truncated && i === this.choices.length - 1) parts.push({ type: 'text', content: TRUNCATED });
      return { role: 'assistant', parts, finish_reason: finishReasons?.[i] || fallback };
    });
  }

  private choice(index: number): Choice {
    const i = Number.isInteger(index) && index >= 0 && index < 64 ? index : 0;
    while (this.choices.length <= i) this.choices.push({ parts: [], tools: new Map() });
    return this.choices[i]!;
  }

  private take(piece: string): string {
    if (this.budget <= 0) {
      this.truncated = true;
      return '';
    }
    if (piece.length <= this.budget) {
      this.budget -= piece.length;
      return piece;
    }
    const kept = piece.slice(0, this.budget);
    this.budget = 0;
    this.truncated = true;
    return kept;
  }
}

function toolPart(tool: ToolBuffer): MessagePart {
  const args = tool.value !== undefined ? tool.value : toolArguments(tool.pieces.join(''));
  const part: MessagePart = { type: 'tool_call', name: tool.name, arguments: args };
  if (tool.id) part.id = tool.id;
  return part;
}
