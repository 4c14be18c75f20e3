import { Injectable, NotFoundException } from '@nestjs/common';
import { DOCUMENTS, type KnowledgeDocument } from './documents.js';

/** A search hit: the document and its best-matching passage. */
export interface SearchHit {
  documentId: string;
  title: string;
  passage: string;
  score: number;
}

/** Reads and searches the bundled support documents. */
@Injectable()
export class KnowledgeBaseService {
  private readonly documents = new Map(DOCUMENTS.map((d) => [d.id, d]));

  /** Every document's id and title. */
  list(): Array<Pick<KnowledgeDocument, 'id' | 'title'>> {
    return DOCUMENTS.map(({ id, title }) => ({ id, title }));
  }

  /** The document `id`; 404 when there is none. */
  get(id: string): KnowledgeDocument {
    const document = this.documents.get(id);
    if (!document) throw new NotFoundException(`No document "${id}". Known documents: ${[...this.documents.keys()].join(', ')}`);
    return document;
  }

  /** Best passages for `query` by term overlap, best first. */
  search(query: string, limit = 3): SearchHit[] {
    const terms = new Set(tokens(query));
    const hits: SearchHit[] = [];
    for (const document of DOCUMENTS) {
      for (const passage of document.body.split(/(?<=\.)\s+/)) {
        const words = tokens(passage);
        const score = words.filter((w) => terms.has(w)).length / Math.sqrt(words.length || 1);
        if (score > 0) hits.push({ documentId: document.id, title: document.title, passage: passage.replace(/\s+/g, ' '), score });
      }
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, limit);
  }
}

function tokens(text: string): string[] {
  // Light stemming so "plans" finds "plan" and "refunded" finds "refund".
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => w.length > 2).map((w) => w.replace(/(ed|s)$/, ''));
}
