import { RedisModule } from '../infra/redis/redis.module';
import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { RedisClient } from '../infra/redis/redis-client';
import type { AppConfig } from '../config/app-config';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { ApiExceptionFilter } from './api-exception.filter';
import { FailFastMiddleware } from './fail-fast.middleware';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { UserThrottlerGuard } from './user-throttler.guard';

/**
 * The API's cross-cutting pieces: the error shape, failing fast while Redis or MongoDB is away,
 * and request throttling (registered after the auth guards, so it can count per user). The
 * request id that jobs queued by a handler carry comes from the logger's per-request store
 * (common/log-context).
 */
@Module({
  imports: [
    RedisModule,
    ThrottlerModule.forRootAsync({
      imports: [RedisModule],
      inject: [ConfigService, REDIS_CLIENT],
      useFactory: (config: ConfigService<AppConfig, true>, redis: RedisClient) => {
        const { limit, ttlMs } = config.get('api', { infer: true }).throttle;
        return {
          throttlers: [{ ttl: ttlMs, limit }],
          storage: new RedisThrottlerStorage(redis, config.get('redisKeys', { infer: true }).base),
        };
      },
    }),
  ],
  providers: [
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    { provide: APP_GUARD, useClass: UserThrottlerGuard },
  ],
})
export class HttpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(FailFastMiddleware).forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}
