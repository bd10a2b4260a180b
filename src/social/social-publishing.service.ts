import { Inject, Injectable, Logger } from '@nestjs/common';
import { DelayedError } from 'bullmq';
import { ContentService } from '../content/content.service';
import type { PostingPlatform } from '../content/platforms';
import { ProviderError } from '../integrations/http/provider-http';
import {
  SOCIAL_PLATFORM_CLIENTS,
  type SocialPlatformClient,
} from '../integrations/social/social-platform-client';
import { PermanentJobError } from '../queues/kernel/job-errors';
import type { JobContext } from '../queues/kernel/kernel-processor';
import type { PostToSocialPayload } from '../queues/social-posting/post-to-social.payload';
import { PostLedgerService } from './post-ledger.service';
import type { PostLedgerEntry } from './post-ledger.schema';
import { SocialAccountsService } from './social-accounts.service';

export interface PlatformOutcome {
  platform: PostingPlatform;
  state: PostLedgerEntry['state'];
  postId?: string;
  url?: string;
  error?: string;
}

/** Longest Retry-After we wait for by deferring the job; beyond it the attempt fails normally. */
const MAX_RATE_LIMIT_WAIT_MS = 15 * 60_000;
/** How many 429 deferrals one job gets before it takes a normal (counted) retry. */
const MAX_RATE_LIMIT_DEFERRALS = 5;

/**
 * Publishes a post to each chosen platform at most once per job, whatever retries or re-runs
 * happen: the ledger is claimed before the request and settled after it. Platforms that posted are
 * skipped on retry; a 429 defers the job until Retry-After; another 4xx fails that platform for good.
 */
@Injectable()
export class SocialPublishingService {
  private readonly clients: Map<PostingPlatform, SocialPlatformClient>;
  private readonly logger = new Logger('SocialPublishing');

  constructor(
    @Inject(SOCIAL_PLATFORM_CLIENTS) clients: SocialPlatformClient[],
    private readonly ledger: PostLedgerService,
    private readonly accounts: SocialAccountsService,
    private readonly contents: ContentService,
  ) {
    this.clients = new Map(clients.map((c) => [c.platform, c]));
  }

  async publish(
    payload: PostToSocialPayload,
    context: JobContext,
  ): Promise<{ platforms: PlatformOutcome[] }> {
    const outcomes: PlatformOutcome[] = [];
    let retryAfterMs: number | undefined;
    for (const [index, platform] of payload.platforms.entries()) {
      context.signal.throwIfAborted();
      const { outcome, rateLimitMs } = await this.publishOne(payload, platform, context);
      outcomes.push(outcome);
      if (rateLimitMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, rateLimitMs);
      await context.progress(Math.round(((index + 1) / payload.platforms.length) * 100));
    }
    const summary = outcomes
      .map((o) => `${o.platform}: ${o.state}${o.error ? ` (${o.error})` : ''}`)
      .join('; ');
    if (retryAfterMs !== undefined) await this.deferForRateLimit(context, retryAfterMs, summary);
    if (outcomes.some((o) => o.state === 'retryable'))
      throw new Error(`Not all platforms posted, will retry: ${summary}`);
    if (outcomes.some((o) => o.state !== 'posted'))
      throw new PermanentJobError(`Posting failed: ${summary}`);
    return { platforms: outcomes };
  }

  private async publishOne(
    payload: PostToSocialPayload,
    platform: PostingPlatform,
    context: JobContext,
  ): Promise<{ outcome: PlatformOutcome; rateLimitMs?: number }> {
    const claim = await this.ledger.claim(context.jobId, platform);
    if (!claim.claimed) {
      const entry =
        claim.entry.state === 'posting'
          ? await this.ledger.markUncertain(context.jobId, platform)
          : claim.entry;
      return { outcome: outcomeOf(entry) };
    }
    const credentials = await this.accounts.credentials(payload.userId, platform);
    const client = this.clients.get(platform);
    if (!credentials || !client) {
      const error = credentials ? `no adapter for ${platform}` : `no linked ${platform} account`;
      return {
        outcome: outcomeOf(await this.ledger.settle(context.jobId, platform, 'failed', { error })),
      };
    }
    try {
      const published = await client.publish(credentials, payload.content, context.signal);
      const entry = await this.ledger.settle(context.jobId, platform, 'posted', published);
      if (payload.contentId) {
        await this.contents.savePublished(payload.contentId, {
          platform,
          ...published,
          jobId: context.jobId,
          publishedAt: new Date(),
        });
      }
      this.logger.log(`job ${context.jobId}: posted to ${platform} (${published.postId})`);
      return { outcome: outcomeOf(entry) };
    } catch (error) {
      return this.settleFailure(context.jobId, platform, error);
    }
  }

  private async settleFailure(
    jobId: string,
    platform: PostingPlatform,
    error: unknown,
  ): Promise<{ outcome: PlatformOutcome; rateLimitMs?: number }> {
    const message = (error as Error).message;
    if (error instanceof ProviderError && error.status === 429) {
      const entry = await this.ledger.settle(
        jobId,
        platform,
        'retryable',
        { error: message },
        true,
      );
      const canDefer =
        entry.rateLimited <= MAX_RATE_LIMIT_DEFERRALS &&
        (error.retryAfterMs ?? 60_000) <= MAX_RATE_LIMIT_WAIT_MS;
      return {
        outcome: outcomeOf(entry),
        rateLimitMs: canDefer ? (error.retryAfterMs ?? 60_000) : undefined,
      };
    }
    // Only answers that show the platform did not act are safe to try again.
    const definite =
      error instanceof ProviderError &&
      (error.permanent || error.notSent || (error.status ?? 0) >= 500);
    const state =
      error instanceof PermanentJobError || (error instanceof ProviderError && error.permanent)
        ? 'failed'
        : definite
          ? 'retryable'
          : 'uncertain';
    return {
      outcome: outcomeOf(await this.ledger.settle(jobId, platform, state, { error: message })),
    };
  }

  /** Moves the job back to delayed until the platform's Retry-After; this costs no attempt. */
  private async deferForRateLimit(
    context: JobContext,
    waitMs: number,
    summary: string,
  ): Promise<never> {
    this.logger.warn(
      `job ${context.jobId}: rate limited, trying again in ${Math.ceil(waitMs / 1000)} s (${summary})`,
    );
    await context.job.moveToDelayed(Date.now() + waitMs, context.token);
    throw new DelayedError(`rate limited until ${new Date(Date.now() + waitMs).toISOString()}`);
  }
}

function outcomeOf(entry: PostLedgerEntry): PlatformOutcome {
  return {
    platform: entry.platform,
    state: entry.state,
    postId: entry.postId,
    url: entry.url,
    error: entry.error,
  };
}
