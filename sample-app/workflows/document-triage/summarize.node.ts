import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TraceNode } from 'nestjs-ai-tracing';
import type { SampleEnvironment } from '../../config/environment.js';
import { AnthropicProvider } from '../../llm/anthropic.provider.js';
import { messageText } from '../../llm/anthropic.types.js';
import type { KnowledgeDocument, TriageRun } from './triage.types.js';

const SYSTEM_PROMPT =
  'You write summaries of support documents for support agents: what happened, who is affected and what ' +
  'the customer needs. Plain prose, no headings, no preamble.';

/** Summarizes the document with Claude; the system prompt is marked for prompt caching. */
@Injectable()
export class SummarizeNode {
  private readonly model: string;

  constructor(
    private readonly anthropic: AnthropicProvider,
    config: ConfigService<SampleEnvironment, true>,
  ) {
    this.model = config.get('SUMMARY_MODEL', { infer: true });
  }

  @TraceNode({ nodeType: 'summarize', nodeId: 'summarize' })
  async execute(document: KnowledgeDocument, run: TriageRun, signal: AbortSignal): Promise<string> {
    const message = await this.anthropic.createMessage(
      {
        model: run.input.summaryModel ?? this.model,
        max_tokens: run.input.summaryLength === 'detailed' ? 400 : 120,
        system: [{ type: 'text', text: SYSTEM_PROMPT, cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: `${document.title}\n\n${document.body}` }],
      },
      { signal },
    );
    return messageText(message);
  }
}
