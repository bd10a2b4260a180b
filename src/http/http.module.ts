import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { ApiExceptionFilter } from './api-exception.filter';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { UserThrottlerGuard } from './user-throttler.guard';

/**
 * The API's cross-cutting pieces: the error shape, and request throttling (registered after the
 * auth guards, so it can count per user).
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService, REDIS_CLIENT],
      useFactory: (config: ConfigService<AppConfig, true>, redis: Redis) => {
        const { limit, ttlMs } = config.get('api', { infer: true }).throttle;
        return {
          throttlers: [{ ttl: ttlMs, limit }],
          storage: new RedisThrottlerStorage(redis, config.get('redisPrefix', { infer: true })),
        };
      },
    }),
  ],
  providers: [
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    { provide: APP_GUARD, useClass: UserThrottlerGuard },
  ],
})
export class HttpModule {}
