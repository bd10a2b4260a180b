import { ApiOperation } from '@nestjs/swagger';
import { Controller, Get } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/auth.decorators';
import { HealthCheck, HealthCheckService, MongooseHealthIndicator } from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';
import { RedisHealthIndicator } from './redis.health';
import { WorkersHealthIndicator } from './workers.health';
import { StorageHealthIndicator } from './storage.health';

// Probes are not throttled: a probe refused 429 would take a healthy instance out of service,
// and counting each one cost a Redis round trip (bench:http).
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly mongo: MongooseHealthIndicator,
    private readonly workers: WorkersHealthIndicator,
    private readonly storage: StorageHealthIndicator,
  ) {}

  /** The process is up and serving HTTP: no dependency is asked (a liveness probe). */
  @Public()
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers (no dependency is checked)' })
  @HealthCheck()
  live(): HealthCheckResult {
    // What terminus answers for no indicators, without its executor's promise chain per probe
    // (bench:http); no graceful-shutdown window is configured, so it never says shutting_down.
    return { status: 'ok', info: {}, error: {}, details: {} };
  }

  /**
   * Redis, MongoDB, file storage and, in worker roles, every queue's worker: 503 naming what is
   * not ready.
   */
  @Public()
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: Redis, MongoDB and file storage answer, and workers run (worker roles)',
  })
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.redis.pingCheck('redis'),
      () => this.mongo.pingCheck('mongo', { timeout: 1500 }),
      () => this.storage.check('storage'),
      () => this.workers.check('workers'),
    ]);
  }

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
