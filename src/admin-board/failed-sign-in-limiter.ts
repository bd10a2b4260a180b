import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { REDIS_CLIENT } from '../infra/redis/redis.module';

export const MAX_FAILED_SIGN_INS = 10;
export const FAILED_SIGN_IN_WINDOW_MS = 60_000;

const COUNT_FAILURE = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * Failed board sign-ins per client address, in a fixed window kept in Redis so every API instance
 * shares it. The API's throttler is a Nest guard and never sees the board's Express middleware,
 * so password guessing against admin accounts is limited here. Only failures count: a browser's
 * first, credential-less request and an admin's polling are never slowed down. If Redis is away
 * nothing is counted (the board cannot work without Redis anyway).
 */
@Injectable()
export class FailedSignInLimiter {
  private readonly logger = new Logger('AdminBoard');
  private readonly prefix: string;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    config: ConfigService<AppConfig, true>,
  ) {
    this.prefix = `${config.get('redisPrefix', { infer: true })}:admin-board:failed-sign-ins`;
  }

  /** Seconds until this address may try again, or 0 if it may try now. */
  async retryAfterSeconds(clientIp: string): Promise<number> {
    try {
      const key = this.key(clientIp);
      const [failures, pttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
      if (Number(failures ?? 0) < MAX_FAILED_SIGN_INS) return 0;
      return Math.max(1, Math.ceil(pttl / 1000));
    } catch (error) {
      this.logger.debug(`sign-in limit not checked (${(error as Error).message})`);
      return 0;
    }
  }

  async recordFailure(clientIp: string): Promise<void> {
    try {
      await this.redis.eval(COUNT_FAILURE, 1, this.key(clientIp), FAILED_SIGN_IN_WINDOW_MS);
    } catch (error) {
      this.logger.debug(`failed sign-in not counted (${(error as Error).message})`);
    }
  }

  private key(clientIp: string): string {
    return `${this.prefix}:${clientIp}`;
  }
}
