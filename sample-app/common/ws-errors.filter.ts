import { Catch, HttpException, type ArgumentsHost } from '@nestjs/common';
import { BaseWsExceptionFilter, WsException } from '@nestjs/websockets';

/**
 * Lets socket clients see why a message failed when a service throws an HTTP exception (validation 400,
 * unknown job 404): Nest's default WebSocket filter would only say "Internal server error".
 */
@Catch()
export class WsErrorsFilter extends BaseWsExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const message = typeof response === 'object' && response !== null && 'message' in response ? (response as { message: unknown }).message : exception.message;
      super.catch(new WsException({ status: 'error', statusCode: exception.getStatus(), message, event: host.switchToWs().getPattern() }), host);
      return;
    }
    super.catch(exception, host);
  }
}
