import { arithmeticExpression, generateReply, hashText, keywords, seededRandom } from './text-generator.js';

/** The part of JSON Schema the stand-in understands (what structured outputs and tool parameters use). */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
}

/** A function tool as declared in a chat request. */
export interface FunctionTool {
  name: string;
  description?: string;
  parameters?: JsonSchema;
}

/** One tool call the stand-in decides to make. */
export interface PlannedToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/**
 * A value matching `schema`, derived from `prompt`: enum fields pick the option the prompt mentions most
 * (else a seeded choice), strings are short phrases of the prompt's keywords, numbers stay within bounds.
 */
export function valueForSchema(schema: JsonSchema, prompt: string): unknown {
  return build(schema, prompt, seededRandom(hashText(prompt)));
}

function build(schema: JsonSchema, prompt: string, random: () => number): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return pickEnum(schema.enum, prompt, random);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type ?? (schema.properties ? 'object' : 'string')) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(schema.properties ?? {})) out[key] = build(child, prompt, random);
      return out;
    }
    case 'array':
      return Array.from({ length: 1 + Math.floor(random() * 3) }, () => build(schema.items ?? { type: 'string' }, prompt, random));
    case 'number': {
      const min = schema.minimum ?? 0;
      const max = schema.maximum ?? 1;
      return Math.round((min + (max - min) * (0.6 + 0.4 * random())) * 100) / 100;
    }
    case 'integer':
      return Math.round((schema.minimum ?? 0) + ((schema.maximum ?? 10) - (schema.minimum ?? 0)) * random());
    case 'boolean':
      return random() < 0.5;
    default:
      return generateReply(prompt, 12).split('. ')[0]!.replace(/\.$/, '');
  }
}

function pickEnum(options: unknown[], prompt: string, random: () => number): unknown {
  const text = prompt.toLowerCase();
  let best: unknown;
  let bestCount = 0;
  for (const option of options) {
    const count = text.split(String(option).toLowerCase()).length - 1;
    if (count > bestCount) [best, bestCount] = [option, count];
  }
  return bestCount > 0 ? best : options[Math.floor(random() * options.length)];
}

/**
 * The tool calls a model would make for `prompt`: every tool whose required arguments can be filled from it.
 * An argument that looks like a math expression takes the prompt's arithmetic (the tool is skipped when the
 * prompt has none); any other string argument takes the prompt's keywords.
 */
export function planToolCalls(tools: readonly FunctionTool[], prompt: string): PlannedToolCall[] {
  const calls: PlannedToolCall[] = [];
  for (const tool of tools) {
    const args = fillArguments(tool, prompt);
    if (args) calls.push({ id: `call_${hashText(`${tool.name}:${prompt}`).toString(36)}`, name: tool.name, arguments: args });
  }
  return calls;
}

function fillArguments(tool: FunctionTool, prompt: string): Record<string, unknown> | undefined {
  const properties = tool.parameters?.properties ?? {};
  const required = new Set(tool.parameters?.required ?? Object.keys(properties));
  const args: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(properties)) {
    const mathLike = /expr|formula|math|calculat/i.test(`${name} ${schema.description ?? ''} ${tool.description ?? ''}`);
    const value = mathLike ? arithmeticExpression(prompt) : schema.type === 'string' || !schema.type ? keywords(prompt, 5).join(' ') : undefined;
    if (value === undefined || value === '') {
      if (required.has(name)) return undefined;
      continue;
    }
    args[name] = value;
  }
  return args;
}
