import { Injectable } from '@nestjs/common';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { TraceTool } from 'nestjs-ai-tracing';
import { KnowledgeBaseService, type SearchHit } from '../../knowledge/knowledge-base.service.js';

/** Arguments of one search call; `callId` is the model's tool call id. */
export interface SearchCall {
  query: string;
  callId?: string;
}

/** Searches the support knowledge base for the agent. */
@Injectable()
export class DocumentSearchTool {
  readonly definition: ChatCompletionFunctionTool = {
    type: 'function',
    function: {
      name: 'search_documents',
      description: 'Finds passages of the support knowledge base (policies, plans, incidents, tickets).',
      parameters: {
        type: 'object',
        properties: { query: { type: 'string', description: 'Keywords to look for' } },
        required: ['query'],
        additionalProperties: false,
      },
    },
  };

  constructor(private readonly knowledge: KnowledgeBaseService) {}

  @TraceTool({ name: 'search_documents', callId: (call: SearchCall) => call.callId })
  async search(call: SearchCall): Promise<SearchHit[]> {
    return this.knowledge.search(call.query, 3);
  }
}
