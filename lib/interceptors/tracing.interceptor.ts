import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { HttpTracingInterceptor } from './http-tracing.interceptor.js';

/**
 * The global interceptor `TracingModule` registers when `http` tracing is on: hands HTTP requests to the HTTP
 * tracing and lets everything else through. Gateway messages and microservice messages are not traced here:
 * their interceptors sit on the gateway classes and handler methods (`MessageInterceptorsRegistrar`).
 */
export class TracingInterceptor implements NestInterceptor {
  constructor(private readonly http: HttpTracingInterceptor) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    return ctx.getType() === 'http' ? this.http.intercept(ctx, next) : next.handle();
  }
}
