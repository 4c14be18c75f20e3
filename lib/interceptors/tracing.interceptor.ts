import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { RpcTracingInterceptor } from '../microservices/rpc-tracing.interceptor.js';
import type { WsTracingInterceptor } from './ws-tracing.interceptor.js';

/**
 * The one global interceptor `TracingModule` registers: hands gateway messages to the WebSocket tracing and
 * microservice messages to the RPC tracing (whichever is on). One, not one per transport: Nest runs every
 * handler through an RxJS pipeline per global interceptor, a fixed cost that each extra one adds again. HTTP
 * requests are traced by the adapter's hooks (`HttpRequestHook`), not here.
 */
export class TracingInterceptor implements NestInterceptor {
  constructor(
    private readonly ws: WsTracingInterceptor | undefined,
    private readonly rpc?: RpcTracingInterceptor,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = ctx.getType();
    if (type === 'ws' && this.ws) return this.ws.intercept(ctx, next);
    if (type === 'rpc' && this.rpc) return this.rpc.intercept(ctx, next);
    return next.handle();
  }
}
