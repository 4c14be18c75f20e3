import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { userOfRequest, userOfSocket, type AuthenticatedUser } from './authenticated-user.js';

/** The authenticated user of an HTTP request or WebSocket message, or undefined for anonymous callers. */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthenticatedUser | undefined =>
  ctx.getType() === 'ws' ? userOfSocket(ctx.switchToWs().getClient<unknown>()) : userOfRequest(ctx.switchToHttp().getRequest<unknown>()),
);
