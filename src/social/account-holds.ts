import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';
import { POSTING_PLATFORMS, type PostingPlatform } from '../common/platforms';
import { throwFirstError, type RedisClient } from '../infra/redis/redis-client';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { Metrics } from '../infra/metrics/metrics';

export interface HeldAccount {
  platform: PostingPlatform;
  userId: string;
  until: string;
}

export interface HeldAccounts {
  platform: PostingPlatform;
  count: number;
  accounts: HeldAccount[];
}

/** At most this many held accounts are listed per platform (the count is always whole). */
const LISTED = 100;

/**
 * Accounts a platform rate-limited (a 429 for that user's token): their posts wait until the
 * limit lifts, without calling the platform, while every other account's go on. One sorted set
 * per platform (`<prefix>:account-holds:<platform>`: user id → until, epoch ms); a lapsed hold
 * is just a past score, trimmed on the next hold. Reads are by key (ZSCORE, ZCOUNT).
 */
@Injectable()
export class AccountHolds {
  private readonly base: string;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly metrics: Metrics,
    config: ConfigService<AppConfig, true>,
  ) {
    this.base = `${config.get('redisKeys', { infer: true }).base}:account-holds`;
    // How many, never which: no label per account.
    metrics.gaugesOf(
      'click_social_accounts_held',
      'Accounts whose posts wait for their own rate limit to lift, by platform',
      'platform',
      async () => (await this.counts()).map(({ platform, count }) => [platform, count]),
    );
  }

  /** Until when this account may not post on `platform`; undefined when it may now. */
  async until(platform: PostingPlatform, userId: string): Promise<Date | undefined> {
    const score = await this.redis.zscore(this.key(platform), userId);
    const at = score === null ? 0 : Number(score);
    return at > Date.now() ? new Date(at) : undefined;
  }

  /** Holds the account until `untilMs` (a later hold wins); returns how many are held now. */
  async hold(platform: PostingPlatform, userId: string, untilMs: number): Promise<number> {
    const now = Date.now();
    const key = this.key(platform);
    const replies = await this.redis
      .multi()
      .zremrangebyscore(key, '-inf', now)
      .zadd(key, 'GT', untilMs, userId)
      .zcount(key, `(${now}`, '+inf')
      .exec();
    throwFirstError(replies);
    this.metrics.accountLimits.inc({ platform });
    return Number(replies?.[2]?.[1] ?? 0);
  }

  /** How many accounts are held now, per platform (one ZCOUNT each). */
  async counts(): Promise<{ platform: PostingPlatform; count: number }[]> {
    const now = Date.now();
    return Promise.all(
      POSTING_PLATFORMS.map(async (platform) => ({
        platform,
        count: await this.redis.zcount(this.key(platform), `(${now}`, '+inf'),
      })),
    );
  }

  /** Accounts held now, per platform: how many, and the first LISTED (soonest free first). */
  async held(): Promise<HeldAccounts[]> {
    const now = Date.now();
    return Promise.all(
      POSTING_PLATFORMS.map(async (platform) => {
        const key = this.key(platform);
        const [count, listed] = await Promise.all([
          this.redis.zcount(key, `(${now}`, '+inf'),
          this.redis.zrangebyscore(key, `(${now}`, '+inf', 'WITHSCORES', 'LIMIT', 0, LISTED),
        ]);
        const accounts: HeldAccount[] = [];
        for (let i = 0; i < listed.length; i += 2)
          accounts.push({
            platform,
            userId: listed[i],
            until: new Date(Number(listed[i + 1])).toISOString(),
          });
        return { platform, count, accounts };
      }),
    );
  }

  private key(platform: PostingPlatform): string {
    return `${this.base}:${platform}`;
  }
}
