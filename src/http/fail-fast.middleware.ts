import { Inject, Injectable, NestMiddleware, ServiceUnavailableException } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { NextFunction, Request, Response } from 'express';
import type { RedisClient } from '../infra/redis/redis-client';
import { ConnectionStates, type Connection } from 'mongoose';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { PROBE_PATHS } from '../common/probe-paths';

/**
 * While Redis or MongoDB is known to be away (the client lost its connection and has not got it
 * back), every API request that needs them — all but health, metrics and the docs — answers
 * 503 at once with Retry-After, instead of each one waiting out a driver's timeout. The clients
 * keep reconnecting on their own; the first request after they are back is served as usual.
 */
@Injectable()
export class FailFastMiddleware implements NestMiddleware {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    @InjectConnection() private readonly mongo: Connection,
  ) {}

  use(req: Request, _res: Response, next: NextFunction): void {
    // Tested here rather than with Nest's exclude(), whose per-request matching cost the probes
    // more than the rest of this middleware (bench:http).
    if (PROBE_PATHS.test(req.originalUrl)) return next();
    if (this.redis.status !== 'ready')
      throw new ServiceUnavailableException('The job queue is unavailable, try again shortly');
    if (this.mongo.readyState !== ConnectionStates.connected)
      throw new ServiceUnavailableException('The database is unavailable, try again shortly');
    next();
  }
}
