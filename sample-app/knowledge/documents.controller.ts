import { Controller, Get } from '@nestjs/common';
import { KnowledgeBaseService } from './knowledge-base.service.js';

/** Lists the documents workflows can triage. */
@Controller('documents')
export class DocumentsController {
  constructor(private readonly knowledge: KnowledgeBaseService) {}

  @Get()
  list(): Array<{ id: string; title: string }> {
    return this.knowledge.list();
  }
}
