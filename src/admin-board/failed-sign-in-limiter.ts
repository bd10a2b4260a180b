import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisClient } from '../infra/redis/redis-client';
import type { AppConfig } from '../config/app-config';
import { REDIS_CLIENT } from '../infra/redis/redis.module';

export const MAX_FAILED_SIGN_INS = 10;
export const FAILED_SIGN_IN_WINDOW_MS = 60_000;

const BEGIN_ATTEMPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;
const FORGIVE = `if redis.call('GET', KEYS[1]) then return redis.call('DECR', KEYS[1]) end return 0`;

/**
 * Password attempts on the board per client address, in a fixed window kept in Redis so every API
 * instance shares it. The API's throttler is a Nest guard and never sees the board's Express
 * middleware, so password guessing against admin accounts is limited here. An attempt is counted
 * before the password is checked (parallel guesses cannot all slip in before the first failure is
 * counted) and forgiven when the password was right, so only failures add up. A browser's first,
 * credential-less request and a remembered admin's polling never get here. If Redis is away
 * nothing is counted (the board cannot work without Redis anyway).
 */
@Injectable()
export class FailedSignInLimiter {
  private readonly logger = new Logger('AdminBoard');
  private readonly prefix: string;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<AppConfig, true>,
  ) {
    this.prefix = `${config.get('redisKeys', { infer: true }).base}:admin-board:failed-sign-ins`;
  }

  /** Counts an attempt; seconds this address must wait when it is over the limit, else 0. */
  async beginAttempt(clientIp: string): Promise<number> {
    try {
      const [attempts, pttl] = (await this.redis.eval(
        BEGIN_ATTEMPT,
        1,
        this.key(clientIp),
        FAILED_SIGN_IN_WINDOW_MS,
      )) as [number, number];
      return attempts > MAX_FAILED_SIGN_INS ? Math.max(1, Math.ceil(pttl / 1000)) : 0;
    } catch (error) {
      this.logger.debug(`sign-in limit not checked (${(error as Error).message})`);
      return 0;
    }
  }

  /** The password was right: the attempt is not held against the address. */
  async forgive(clientIp: string): Promise<void> {
    await this.redis.eval(FORGIVE, 1, this.key(clientIp)).catch(() => undefined);
  }

  private key(clientIp: string): string {
    return `${this.prefix}:${clientIp}`;
  }
}
