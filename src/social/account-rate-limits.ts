import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';
import type { PostingPlatform } from '../common/platforms';
import type { ProviderError } from '../integrations/http/provider-http';
import type { SocialPlatformClient } from '../integrations/social/social-platform-client';
import { AccountHolds } from './account-holds';

/** A 429 that says nothing of how long: wait this long. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/** How a call's end is told to the platform's breaker (the pass the breaker gave the call). */
export type BreakerSettle = (outcome: 'ok' | 'fault', retryAfterMs?: number) => Promise<void>;

/**
 * Decides whose limit a platform's 429 is. The account's own holds that account (AccountHolds:
 * its other posts wait without calling) and the breaker hears of a call that went fine, unless
 * SOCIAL_APP_LIMIT_ACCOUNTS accounts are held at once; the app's limit, or that many, counts
 * against the breaker with the wait, which then holds the platform for everyone.
 */
@Injectable()
export class AccountRateLimits {
  private readonly appLimitAccounts: number;

  constructor(
    private readonly holds: AccountHolds,
    config: ConfigService<AppConfig, true>,
  ) {
    this.appLimitAccounts = config.get('social', { infer: true }).appLimitAccounts;
  }

  /**
   * Until when this account's posts on `platform` wait. A hold that cannot be read (Redis away a
   * moment) is none: still limited, the platform answers 429 again and the hold is set again;
   * the job never fails for it.
   */
  heldUntil(platform: PostingPlatform, userId: string): Promise<Date | undefined> {
    return this.holds.until(platform, userId).catch(() => undefined);
  }

  /** Handles a 429 from `client` for `userId`'s token; returns how long this job waits. */
  async limited(
    userId: string,
    client: SocialPlatformClient,
    error: ProviderError,
    settle: BreakerSettle,
  ): Promise<number> {
    const limit = client.rateLimitOf(error);
    const waitMs = limit.waitMs ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    let appWide = limit.scope === 'app';
    if (!appWide) {
      const held = await this.holds
        .hold(client.platform, userId, Date.now() + waitMs)
        .catch(() => 0);
      appWide = held >= this.appLimitAccounts;
    }
    await settle(appWide ? 'fault' : 'ok', appWide ? waitMs : 0).catch(() => undefined);
    return waitMs;
  }
}
