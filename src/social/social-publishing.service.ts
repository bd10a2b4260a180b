import { Inject, Injectable, Logger } from '@nestjs/common';
export type { PlatformOutcome } from './post-outcome';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';
import { ContentService } from '../content/content.service';
import type { PostingPlatform } from '../common/platforms';
import { ProviderError } from '../integrations/http/provider-http';
import {
  SOCIAL_PLATFORM_CLIENTS,
  type PublishedRef,
  type SocialPlatformClient,
} from '../integrations/social/social-platform-client';
import { PermanentJobError } from '../queues/contracts/job-errors';
import type { JobContext } from '../queues/contracts/job-context';
import type { PostToSocialPayload } from '../queues/social-posting/post-to-social.payload';
import { PostLedgerService, UNKNOWN } from './post-ledger.service';
import type { PostLedgerEntry } from './post-ledger.schema';
import { failedPostState, outcomeOf, type PlatformOutcome } from './post-outcome';
import type { PlatformCredentials } from '../integrations/social/platform-credentials';
import { SocialAccountsService } from './social-accounts.service';
import {
  AccountRateLimits,
  DEFAULT_RATE_LIMIT_WAIT_MS,
  type BreakerSettle,
} from './account-rate-limits';

/** Longest Retry-After we wait for by deferring the job; beyond it the attempt fails normally. */
const MAX_RATE_LIMIT_WAIT_MS = 15 * 60_000;
/** How far before an unknown attempt a platform's posts are searched for it. */
const LOOKBACK_MS = 5 * 60_000;
/** How many 429 deferrals one job gets before it takes a normal (counted) retry. */
const MAX_RATE_LIMIT_DEFERRALS = 5;

/**
 * Publishes a post to each chosen platform at most once per job, whatever retries or re-runs
 * happen: the ledger is claimed before the request and settled after it. Platforms that posted are
 * skipped on retry; a 429 defers the job until Retry-After; another 4xx fails that platform for good.
 * A 429 that is the account's own limit holds only that account; one that is the app's, or many
 * accounts held at once, opens the platform's breaker for everyone (AccountRateLimits decides).
 */
@Injectable()
export class SocialPublishingService {
  private readonly clients: Map<PostingPlatform, SocialPlatformClient>;
  private readonly logger = new Logger('SocialPublishing');
  private readonly inFlightMs: number;

  constructor(
    @Inject(SOCIAL_PLATFORM_CLIENTS) clients: SocialPlatformClient[],
    private readonly ledger: PostLedgerService,
    private readonly accounts: SocialAccountsService,
    private readonly contents: ContentService,
    private readonly rateLimits: AccountRateLimits,
    config: ConfigService<AppConfig, true>,
  ) {
    this.clients = new Map(clients.map((c) => [c.platform, c]));
    // A request lasts at most its timeout; a run lasts at most a lock period past its worker.
    this.inFlightMs =
      config.get('social', { infer: true }).requestTimeoutMs +
      config.get('jobs', { infer: true }).lockDurationMs;
  }

  async publish(
    payload: PostToSocialPayload,
    context: JobContext,
  ): Promise<{ platforms: PlatformOutcome[] }> {
    const outcomes: PlatformOutcome[] = [];
    let retryAfterMs: number | undefined;
    let heldUntil: Date | undefined;
    for (const [index, platform] of payload.platforms.entries()) {
      context.signal.throwIfAborted();
      const { outcome, rateLimitMs, held } = await this.publishOne(payload, platform, context);
      outcomes.push(outcome);
      if (rateLimitMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, rateLimitMs);
      if (held && (!heldUntil || held < heldUntil)) heldUntil = held;
      await context.progress(Math.round(((index + 1) / payload.platforms.length) * 100));
    }
    const summary = outcomes
      .map((o) => `${o.platform}: ${o.state}${o.error ? ` (${o.error})` : ''}`)
      .join('; ');
    // A platform whose breaker is open, or this account held: the job waits, its attempt unspent.
    if (heldUntil) await context.deferUntil(heldUntil, summary);
    if (retryAfterMs !== undefined) await this.deferForRateLimit(context, retryAfterMs, summary);
    // Uncertain too: the next attempt asks the platform whether the post went out.
    if (outcomes.some((o) => o.state === 'retryable' || o.state === 'uncertain'))
      throw new Error(`Not all platforms posted: ${summary}`);
    if (outcomes.some((o) => o.state !== 'posted'))
      throw new PermanentJobError(`Posting failed: ${summary}`);
    return { platforms: outcomes };
  }

  /**
   * Asks whether the account is rate-limited, then the platform's circuit breaker: while either
   * holds, nothing is claimed or sent.
   */
  private async publishOne(
    payload: PostToSocialPayload,
    platform: PostingPlatform,
    context: JobContext,
  ): Promise<{ outcome: PlatformOutcome; rateLimitMs?: number; held?: Date }> {
    const accountHeld = await this.rateLimits.heldUntil(platform, payload.userId);
    if (accountHeld)
      return {
        outcome: {
          platform,
          state: 'retryable',
          error: `${platform} rate-limited this account until ${accountHeld.toISOString()}`,
        },
        held: accountHeld,
      };
    const pass = await context.admitProvider(platform);
    if (!pass.admitted)
      return {
        outcome: { platform, state: 'retryable', error: `${platform} unavailable (circuit open)` },
        held: pass.until,
      };
    try {
      return await this.publishAdmitted(payload, platform, context, pass.settle);
    } finally {
      // No call made (already posted, no account, …): the pass goes back unused.
      await pass.settle('unused').catch(() => undefined);
    }
  }

  private async publishAdmitted(
    payload: PostToSocialPayload,
    platform: PostingPlatform,
    context: JobContext,
    settle: BreakerSettle,
  ): Promise<{ outcome: PlatformOutcome; rateLimitMs?: number }> {
    const claim = await this.ledger.claim(context.jobId, platform);
    const credentials = await this.accounts.credentials(payload.userId, platform);
    const client = this.clients.get(platform);
    if (!claim.claimed && !UNKNOWN.includes(claim.entry.state))
      return { outcome: outcomeOf(claim.entry) };
    if (!credentials || !client) {
      const error = credentials ? `no adapter for ${platform}` : `no linked ${platform} account`;
      const entry = claim.claimed
        ? await this.ledger.settle(context.jobId, platform, 'failed', { error })
        : await this.ledger.markUncertain(context.jobId, platform, `cannot be checked (${error})`);
      return { outcome: outcomeOf(entry) };
    }
    if (!claim.claimed) {
      // An earlier attempt stopped mid-request: ask the platform before posting again.
      const known = await this.resolveUnknown(
        payload,
        platform,
        claim.entry,
        client,
        credentials,
        context,
      );
      if (known) return { outcome: known };
    }
    let published: PublishedRef;
    try {
      published = await client.publish(credentials, payload.content, context.signal);
    } catch (error) {
      if (error instanceof ProviderError && error.status === 429) {
        const waitMs = await this.rateLimits.limited(payload.userId, client, error, settle);
        return this.settleFailure(context.jobId, platform, error, waitMs);
      }
      // A timeout, refused connection or 5xx (with its Retry-After) counts against the breaker.
      const fault = error instanceof ProviderError && !error.permanent;
      await settle(fault ? 'fault' : 'ok', fault ? error.retryAfterMs : 0).catch(() => undefined);
      return this.settleFailure(context.jobId, platform, error);
    }
    await settle('ok').catch(() => undefined);
    return { outcome: await this.recordPosted(payload, platform, published, context) };
  }

  /**
   * The platform's own answer to "did the earlier attempt post?": found → recorded as posted;
   * not found → undefined (the caller posts, the entry taken back); cannot ask → uncertain.
   */
  private async resolveUnknown(
    payload: PostToSocialPayload,
    platform: PostingPlatform,
    entry: PostLedgerEntry,
    client: SocialPlatformClient,
    credentials: PlatformCredentials,
    context: JobContext,
  ): Promise<PlatformOutcome | undefined> {
    const claimedAt = new Date(entry.claimedAt ?? entry.updatedAt).getTime();
    // A `posting` entry this young may belong to a run still in flight (a stalled worker still
    // alive): wait until it cannot be, without spending an attempt, before asking the platform.
    const inFlightUntil = claimedAt + this.inFlightMs;
    if (entry.state === 'posting' && Date.now() < inFlightUntil)
      await context.deferUntil(
        new Date(inFlightUntil),
        `${platform}: an earlier attempt may still be posting`,
      );
    // From a little before that attempt began (platforms' clocks drift).
    const since = new Date(claimedAt - LOOKBACK_MS);
    let found: PublishedRef | null;
    try {
      found = await client.findPublished(credentials, payload.content, since, context.signal);
    } catch (error) {
      const why = `the platform could not be asked (${(error as Error).message})`;
      return outcomeOf(await this.ledger.markUncertain(context.jobId, platform, why));
    }
    if (found) {
      this.logger.log({
        msg: `${platform} already has the post (${found.postId})`,
        ...context.logFields,
      });
      return this.recordPosted(payload, platform, found, context);
    }
    if (await this.ledger.reclaimUnknown(context.jobId, platform)) return undefined;
    const now = await this.ledger.entriesFor(context.jobId);
    return outcomeOf(now.find((e) => e.platform === platform) ?? entry);
  }

  private async recordPosted(
    payload: PostToSocialPayload,
    platform: PostingPlatform,
    published: PublishedRef,
    context: JobContext,
  ): Promise<PlatformOutcome> {
    const entry = await this.ledger.settlePosted(
      context.jobId,
      platform,
      published,
      context.signal,
    );
    if (payload.contentId) {
      await this.contents.savePublished(payload.contentId, {
        platform,
        ...published,
        jobId: context.jobId,
        publishedAt: new Date(),
      });
    }
    this.logger.log({ msg: `posted to ${platform} (${published.postId})`, ...context.logFields });
    return outcomeOf(entry);
  }

  private async settleFailure(
    jobId: string,
    platform: PostingPlatform,
    error: unknown,
    rateLimitWaitMs = DEFAULT_RATE_LIMIT_WAIT_MS,
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
        entry.rateLimited <= MAX_RATE_LIMIT_DEFERRALS && rateLimitWaitMs <= MAX_RATE_LIMIT_WAIT_MS;
      return { outcome: outcomeOf(entry), rateLimitMs: canDefer ? rateLimitWaitMs : undefined };
    }
    const state = failedPostState(error, message);
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
    this.logger.warn({
      msg: `rate limited, trying again in ${Math.ceil(waitMs / 1000)} s (${summary})`,
      ...context.logFields,
    });
    return context.deferUntil(new Date(Date.now() + waitMs), 'rate limited');
  }
}
