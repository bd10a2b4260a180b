import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { RedisClient } from '../infra/redis/redis-client';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { pingCheck } from './ping-check';

@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly health: HealthIndicatorService,
  ) {}

  pingCheck(key: string, timeoutMs = 1500) {
    return pingCheck(this.health, key, () => this.redis.ping(), timeoutMs);
  }
}
