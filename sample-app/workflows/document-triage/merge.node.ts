import { Injectable } from '@nestjs/common';
import { TraceNode } from 'nestjs-ai-tracing';
import type { Classification, KnowledgeDocument, TriageRecord } from './triage.types.js';

/** Combines the parallel branches into the triage record. */
@Injectable()
export class MergeNode {
  @TraceNode({ nodeType: 'merge', nodeId: 'merge' })
  execute(document: KnowledgeDocument, summary: string, classification: Classification): TriageRecord {
    return {
      documentId: document.id,
      title: document.title,
      summary,
      ...classification,
      queue: `${classification.category}-${classification.priority === 'urgent' || classification.priority === 'high' ? 'priority' : 'standard'}`,
    };
  }
}
