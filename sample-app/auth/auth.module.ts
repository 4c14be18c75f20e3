import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { UserContextMiddleware } from './user-context.middleware.js';

/** Header-based identity for every route (see `UserContextMiddleware`). */
@Module({})
export class AuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(UserContextMiddleware).forRoutes('*');
  }
}
