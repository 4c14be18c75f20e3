import { Module } from '@nestjs/common';
import { LlmModule } from '../llm/llm.module.js';
import { WorkflowsModule } from '../workflows/workflows.module.js';
import { AssistantGateway } from './assistant.gateway.js';
import { ChatService } from './chat.service.js';

/** The socket.io gateway: workflow jobs with live progress, and streamed chat. */
@Module({
  imports: [LlmModule, WorkflowsModule],
  providers: [AssistantGateway, ChatService],
})
export class RealtimeModule {}
