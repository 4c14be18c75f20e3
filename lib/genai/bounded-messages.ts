import { safeStringify } from '../core/serialize.js';
import type { ChatMessage, MessagePart } from './provider-call.js';

const TRUNCATED = '...[truncated]';
/** What one message or part costs in JSON structure (keys, role, type), charged so the whole stays bounded. */
const STRUCTURE_CHARS = 24;

/**
 * `messages` cut to about `maxChars` characters of content, keeping a valid structure: texts are cut with a
 * marker, tool arguments and results are redacted (secret-looking keys) and bounded, and once the budget is spent
 * the remaining messages are left out. Both the GenAI JSON attributes and the OpenInference flattened ones are
 * written from this one bounded copy, so every backend shows the same (parseable) conversation.
 */
export function boundMessages<M extends ChatMessage>(messages: readonly M[], maxChars: number, isSecret: (key: string) => boolean): M[] {
  const bound = new Bound(maxChars, isSecret);
  const out: M[] = [];
  for (const message of messages) {
    if (bound.spent()) break;
    bound.charge(STRUCTURE_CHARS);
    out.push({ ...message, parts: bound.parts(message.parts) });
  }
  if (out.length < messages.length && out.length > 0) out.at(-1)!.parts.push({ type: 'text', content: TRUNCATED });
  return out;
}

/** System instructions (a list of parts) under the same rules. */
export function boundParts(parts: readonly MessagePart[], maxChars: number, isSecret: (key: string) => boolean): MessagePart[] {
  return new Bound(maxChars, isSecret).parts(parts);
}

class Bound {
  constructor(
    private budget: number,
    private readonly isSecret: (key: string) => boolean,
  ) {}

  spent(): boolean {
    return this.budget <= 0;
  }

  charge(chars: number): void {
    this.budget -= chars;
  }

  parts(parts: readonly MessagePart[]): MessagePart[] {
    const out: MessagePart[] = [];
    for (const part of parts) {
      if (this.spent()) {
        out.push({ type: 'text', content: TRUNCATED });
        break;
      }
      this.charge(STRUCTURE_CHARS);
      out.push(this.part(part));
    }
    return out;
  }

  private part(part: MessagePart): MessagePart {
    switch (part.type) {
      case 'text':
      case 'reasoning':
        return { ...part, content: this.text(part.content) };
      case 'tool_call':
        return { ...part, arguments: this.value(part.arguments) };
      case 'tool_call_response':
        return { ...part, response: this.value(part.response) };
      case 'uri':
        return { ...part, uri: this.text(part.uri) };
      case 'blob':
        return { ...part, content: this.text(part.content) };
    }
  }

  private text(value: string): string {
    if (value.length <= this.budget) {
      this.budget -= value.length;
      return value;
    }
    const cut = value.slice(0, Math.max(0, this.budget)) + TRUNCATED;
    this.budget = 0;
    return cut;
  }

  /** A structured value redacted and bounded; kept as a value when it fits, else as its truncated JSON text. */
  private value(value: unknown): unknown {
    if (value === undefined || value === null || typeof value === 'number' || typeof value === 'boolean') return value;
    if (typeof value === 'string') return this.text(value);
    const json = safeStringify(value, Math.max(TRUNCATED.length + 2, this.budget), this.isSecret);
    this.budget -= json.length;
    if (json.endsWith(TRUNCATED)) return json;
    try {
      return JSON.parse(json) as unknown;
    } catch {
      return json;
    }
  }
}
