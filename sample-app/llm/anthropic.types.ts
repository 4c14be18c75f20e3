/** The parts of the Anthropic Messages API the sample uses (https://docs.anthropic.com/en/api/messages). */

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: { type: 'ephemeral' };
}

export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: string | AnthropicTextBlock[];
}

export interface AnthropicMessageRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: string | AnthropicTextBlock[];
  temperature?: number;
  stream?: boolean;
}

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: Array<{ type: string; text?: string }>;
  stop_reason: string | null;
  usage: AnthropicUsage;
}

/** Server-sent events of a streamed message. */
export type AnthropicStreamEvent =
  | { type: 'message_start'; message: AnthropicMessage }
  | { type: 'content_block_start'; index: number; content_block: { type: string; text?: string } }
  | { type: 'content_block_delta'; index: number; delta: { type: 'text_delta'; text: string } | { type: string } }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason: string | null }; usage: Partial<AnthropicUsage> }
  | { type: 'message_stop' }
  | { type: 'ping' };

/** Text of a non-streamed message. */
export function messageText(message: AnthropicMessage): string {
  return message.content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
}

/** The text of one stream event, if it carries some. */
export function eventText(event: AnthropicStreamEvent): string | undefined {
  if (event.type !== 'content_block_delta' || event.delta.type !== 'text_delta') return undefined;
  return (event.delta as { text: string }).text;
}
