import { field, objectSchema } from '../../common/object-schema.js';
import { runWorkflowSchema, type RunWorkflowDto } from '../../workflows/dto/run-workflow.dto.js';

/** `run_job`: starts a workflow and acks with its job id; progress arrives as `job_*` events. */
export interface RunJobDto {
  workflowId: string;
  input: RunWorkflowDto;
}

export const runJobSchema = objectSchema<RunJobDto>({
  workflowId: field.string({ max: 100 }),
  input: field.object(runWorkflowSchema),
});

/** `cancel_job`: stops a running job (its workflow span ends with `workflow.status` = cancelled). */
export interface CancelJobDto {
  jobId: string;
}

export const cancelJobSchema = objectSchema<CancelJobDto>({
  jobId: field.string({ max: 100 }),
});

/** `chat_message`: one user turn; the reply streams back as `chat_token` events, then `chat_done`. */
export interface ChatMessageDto {
  /** Conversation id (recorded as `session.id` on the spans). */
  threadId: string;
  text: string;
}

export const chatMessageSchema = objectSchema<ChatMessageDto>({
  threadId: field.string({ max: 100 }),
  text: field.string({ max: 4000 }),
});
