import { Body, Controller, HttpCode, HttpStatus, Post, UseFilters } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LlmProviderErrorFilter } from '../common/llm-provider-error.filter.js';
import type { AgentTaskResult } from './agent-task.types.js';
import { createAgentTaskSchema, type CreateAgentTaskDto } from './dto/create-agent-task.dto.js';
import { SupportResearchAgent } from './support-research.agent.js';

/** Runs the research agent on a question and answers when it is done. */
@Controller('agents')
@UseFilters(LlmProviderErrorFilter)
export class AgentsController {
  constructor(private readonly agent: SupportResearchAgent) {}

  @Post('tasks')
  @HttpCode(HttpStatus.OK)
  createTask(@Body({ schema: createAgentTaskSchema }) body: CreateAgentTaskDto): Promise<AgentTaskResult> {
    return this.agent.run({ id: randomUUID(), goal: body.goal });
  }
}
