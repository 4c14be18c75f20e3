import { Injectable, type CanActivate } from '@nestjs/common';

/** A string header of the framework request (Express or Fastify), for `http.userId`-style readers. */
export function header(request: unknown, name: string): string | undefined {
  const value = (request as { headers?: Record<string, unknown> }).headers?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** Refuses every request or message: Nest answers 403 (HTTP) or an `exception` event (WebSocket). */
@Injectable()
export class DenyGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}
