import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { userFromHeaders, type AuthenticatedUser } from './authenticated-user.js';

/**
 * Sets `request.user` from the request headers. The tracing library's default `http.userId` reads
 * `request.user.id`, so every span of the request, and the cost report, know the user.
 */
@Injectable()
export class UserContextMiddleware implements NestMiddleware {
  use(req: IncomingMessage & { user?: AuthenticatedUser }, _res: ServerResponse, next: () => void): void {
    req.user = userFromHeaders(req.headers);
    next();
  }
}
