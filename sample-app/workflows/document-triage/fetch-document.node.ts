import { Injectable } from '@nestjs/common';
import { TraceNode } from 'nestjs-ai-tracing';
import { KnowledgeBaseService } from '../../knowledge/knowledge-base.service.js';
import type { KnowledgeDocument, TriageRun } from './triage.types.js';

/** Loads the document to triage. */
@Injectable()
export class FetchDocumentNode {
  constructor(private readonly knowledge: KnowledgeBaseService) {}

  @TraceNode({ nodeType: 'fetch', nodeId: 'fetch-document' })
  async execute(run: TriageRun): Promise<KnowledgeDocument> {
    run.signal.throwIfAborted();
    return this.knowledge.get(run.input.documentId);
  }
}
