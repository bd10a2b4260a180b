import { ApiOperation } from '@nestjs/swagger';
import { Controller, Get } from '@nestjs/common';
import { Public } from '../auth/auth.decorators';
import { HealthCheck, HealthCheckService, MongooseHealthIndicator } from '@nestjs/terminus';
import { RedisHealthIndicator } from './redis.health';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly mongo: MongooseHealthIndicator,
  ) {}

  /** 200 when Redis and MongoDB both answer; 503 naming the one that does not. */
  @Public()
  @Get()
  @ApiOperation({ summary: 'Whether Redis and MongoDB answer' })
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.redis.pingCheck('redis'),
      () => this.mongo.pingCheck('mongo', { timeout: 1500 }),
    ]);
  }
}
