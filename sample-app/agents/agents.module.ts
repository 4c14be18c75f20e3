import { Module } from '@nestjs/common';
import { KnowledgeModule } from '../knowledge/knowledge.module.js';
import { LlmModule } from '../llm/llm.module.js';
import { AgentsController } from './agents.controller.js';
import { SupportResearchAgent } from './support-research.agent.js';
import { CalculatorTool } from './tools/calculator.tool.js';
import { DocumentSearchTool } from './tools/document-search.tool.js';

/** The support research agent, its tools and its HTTP API. */
@Module({
  imports: [KnowledgeModule, LlmModule],
  controllers: [AgentsController],
  providers: [SupportResearchAgent, CalculatorTool, DocumentSearchTool],
})
export class AgentsModule {}
