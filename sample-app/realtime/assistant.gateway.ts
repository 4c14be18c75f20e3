import { Logger, UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type WsResponse,
} from '@nestjs/websockets';
import { traceEmit } from 'nestjs-ai-tracing';
import { map, type Observable } from 'rxjs';
import type { Socket } from 'socket.io';
import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import { userFromHeaders } from '../auth/authenticated-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { WsErrorsFilter } from '../common/ws-errors.filter.js';
import { WorkflowJobsService } from '../workflows/workflow-jobs.service.js';
import { ChatService, type ChatReplyEvent } from './chat.service.js';
import { cancelJobSchema, chatMessageSchema, runJobSchema, type CancelJobDto, type ChatMessageDto, type RunJobDto } from './dto/realtime.dto.js';

/**
 * Socket.io namespace `/assistant`. Clients authenticate at handshake (`auth: { userId }` or an `x-user-id`
 * header). Every message is traced (`websocket run_job`...) as its own trace, or joins the client's trace
 * when the payload carries a `traceparent`.
 */
@WebSocketGateway({ namespace: '/assistant' })
@UseFilters(WsErrorsFilter)
export class AssistantGateway implements OnGatewayConnection {
  private readonly logger = new Logger(AssistantGateway.name);

  constructor(
    private readonly jobs: WorkflowJobsService,
    private readonly chat: ChatService,
  ) {}

  handleConnection(client: Socket): void {
    const auth = client.handshake.auth as { userId?: unknown; tenantId?: unknown };
    const user = userFromHeaders({
      'x-user-id': typeof auth.userId === 'string' ? auth.userId : client.handshake.headers['x-user-id'],
      'x-tenant-id': typeof auth.tenantId === 'string' ? auth.tenantId : client.handshake.headers['x-tenant-id'],
    });
    client.data.user = user;
    this.logger.debug(`client ${client.id} connected as ${user?.id ?? 'anonymous'}`);
  }

  /**
   * Starts a workflow job and acks `{ jobId }` at once. Progress and the outcome are pushed to the client
   * as `job_progress`, `job_completed`, `job_failed` or `job_cancelled`; each push is traced as an outbound
   * message in the job's trace.
   */
  @SubscribeMessage('run_job')
  runJob(
    @MessageBody({ schema: runJobSchema }) body: RunJobDto,
    @ConnectedSocket() client: Socket,
    @CurrentUser() user: AuthenticatedUser | undefined,
  ): { jobId: string; status: string } {
    const job = this.jobs.start(body.workflowId, body.input, user?.id);
    job.events.subscribe((event) => {
      const { type, ...data } = event;
      traceEmit(client, `job_${type}`, data);
    });
    return { jobId: job.id, status: job.status };
  }

  /** Cancels a running job; acks `{ jobId, cancelled }`. */
  @SubscribeMessage('cancel_job')
  cancelJob(@MessageBody({ schema: cancelJobSchema }) body: CancelJobDto): { jobId: string; cancelled: boolean } {
    return { jobId: body.jobId, cancelled: this.jobs.cancel(body.jobId) };
  }

  /**
   * Streams the reply as `chat_token` events and ends with `chat_done`. Returning an Observable of
   * `WsResponse`s keeps the message span open until the last token, with each reply recorded on it.
   */
  @SubscribeMessage('chat_message')
  chatMessage(@MessageBody({ schema: chatMessageSchema }) body: ChatMessageDto): Observable<WsResponse<unknown>> {
    return this.chat.reply(body.threadId, body.text).pipe(
      map((event: ChatReplyEvent) =>
        event.type === 'token'
          ? { event: 'chat_token', data: { threadId: body.threadId, token: event.text } }
          : { event: 'chat_done', data: { threadId: body.threadId, text: event.text } },
      ),
    );
  }
}
