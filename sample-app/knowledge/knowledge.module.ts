import { Module } from '@nestjs/common';
import { DocumentsController } from './documents.controller.js';
import { KnowledgeBaseService } from './knowledge-base.service.js';

/** The support knowledge base shared by workflows and agents. */
@Module({
  controllers: [DocumentsController],
  providers: [KnowledgeBaseService],
  exports: [KnowledgeBaseService],
})
export class KnowledgeModule {}
