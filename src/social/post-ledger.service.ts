import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type { RedisClient } from '../infra/redis/redis-client';
import type { Model } from 'mongoose';
import type { AppConfig } from '../config/app-config';
import { POSTING_PLATFORMS, type PostingPlatform } from '../common/platforms';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { withKeyedLock } from '../infra/redis/keyed-lock';
import { LedgerState, PostLedgerEntry } from './post-ledger.schema';

export type Claim = { claimed: true } | { claimed: false; entry: PostLedgerEntry };

/** States whose earlier try definitely did not post, so posting again cannot duplicate. */
const RECLAIMABLE: readonly LedgerState[] = ['retryable', 'failed'];
/** States whose earlier try may or may not have posted: the platform is asked before any retry. */
export const UNKNOWN: readonly LedgerState[] = ['posting', 'uncertain'];
const POSTED_RETRY_MS = 5 * 60_000;

/**
 * Claims and records per (job, platform) posts; the unique _id is what makes "at most once" hold.
 * Every read and write is by `_id`; the reclaim's compare-and-set holds a Redis lock per entry.
 */
@Injectable()
export class PostLedgerService {
  private readonly lockPrefix: string;

  constructor(
    @InjectModel(PostLedgerEntry.name) private readonly model: Model<PostLedgerEntry>,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<AppConfig, true>,
  ) {
    this.lockPrefix = `${config.get('redisKeys', { infer: true }).base}:lock:post-ledger:`;
  }

  /**
   * Claims the right to post: a new entry, or one whose earlier try definitely did not post
   * (retryable, or failed and now retried). A posted, uncertain or in-flight entry is not claimed.
   */
  async claim(jobId: string, platform: PostingPlatform): Promise<Claim> {
    const _id = entryId(jobId, platform);
    if (await this.create(_id, jobId, platform)) return { claimed: true };
    // Two claims of one retryable entry must not both win: read, check and write under a lock.
    return withKeyedLock(this.redis, this.lockPrefix + _id, async (): Promise<Claim> => {
      const entry = await this.find(_id);
      // Pruned since the insert failed: a new entry, unless another claim made it meanwhile.
      if (!entry)
        return (await this.create(_id, jobId, platform))
          ? { claimed: true }
          : { claimed: false, entry: (await this.find(_id))! };
      if (!RECLAIMABLE.includes(entry.state)) return { claimed: false, entry };
      await this.model.updateOne(
        { _id },
        {
          $set: { state: 'posting', claimedAt: new Date(), updatedAt: new Date() },
          $unset: { error: '' },
        },
      );
      return { claimed: true };
    });
  }

  /**
   * Takes back an entry whose outcome was unknown (`posting` left by a dead attempt, or
   * `uncertain`) once the platform said the post is not there; false if it changed meanwhile.
   */
  async reclaimUnknown(jobId: string, platform: PostingPlatform): Promise<boolean> {
    const _id = entryId(jobId, platform);
    return withKeyedLock(this.redis, this.lockPrefix + _id, async () => {
      const entry = await this.find(_id);
      if (!entry || !UNKNOWN.includes(entry.state)) return false;
      await this.model.updateOne(
        { _id },
        {
          $set: { state: 'posting', claimedAt: new Date(), updatedAt: new Date() },
          $unset: { error: '' },
        },
      );
      return true;
    });
  }

  /**
   * A post that went out is recorded whatever it takes: MongoDB being away is waited out (up to
   * five minutes), never turning a made post into a failed job that would post again.
   */
  async settlePosted(
    jobId: string,
    platform: PostingPlatform,
    ref: Pick<PostLedgerEntry, 'postId' | 'url'>,
    signal?: AbortSignal,
  ): Promise<PostLedgerEntry> {
    const deadline = Date.now() + POSTED_RETRY_MS;
    for (let wait = 500; ; wait = Math.min(wait * 2, 10_000)) {
      try {
        return await this.settle(jobId, platform, 'posted', ref);
      } catch (error) {
        if (Date.now() + wait > deadline || signal?.aborted) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  async settle(
    jobId: string,
    platform: PostingPlatform,
    state: LedgerState,
    fields: Partial<Pick<PostLedgerEntry, 'postId' | 'url' | 'error'>> = {},
    rateLimited = false,
  ): Promise<PostLedgerEntry> {
    const update: Record<string, unknown> = { $set: { state, updatedAt: new Date(), ...fields } };
    if (rateLimited) update.$inc = { rateLimited: 1 };
    const entry = await this.model
      .findOneAndUpdate({ _id: entryId(jobId, platform) }, update, { new: true })
      .lean<PostLedgerEntry>()
      .exec();
    return entry!;
  }

  /** The outcome of an earlier attempt is unknown and the platform could not be asked. */
  async markUncertain(
    jobId: string,
    platform: PostingPlatform,
    why: string,
  ): Promise<PostLedgerEntry> {
    return this.settle(jobId, platform, 'uncertain', {
      error: `an earlier attempt stopped mid-request and ${why}; not re-posted to avoid a duplicate`,
    });
  }

  /** One `_id` read per platform there is. */
  async entriesFor(jobId: string): Promise<PostLedgerEntry[]> {
    const entries = await Promise.all(POSTING_PLATFORMS.map((p) => this.find(entryId(jobId, p))));
    return entries.filter((e): e is PostLedgerEntry => e !== null);
  }

  /** Deletes a job's entries, one `_id` delete per platform (its owner was erased). */
  async forgetJob(jobId: string): Promise<void> {
    await Promise.all(
      POSTING_PLATFORMS.map((p) => this.model.deleteOne({ _id: entryId(jobId, p) })),
    );
  }

  private find(_id: string): Promise<PostLedgerEntry | null> {
    return this.model.findById(_id).lean<PostLedgerEntry>().exec();
  }

  /** True if this call created the entry (so holds the claim); false if it already existed. */
  private async create(_id: string, jobId: string, platform: PostingPlatform): Promise<boolean> {
    try {
      const now = new Date();
      await this.model.create({
        _id,
        jobId,
        platform,
        state: 'posting',
        claimedAt: now,
        updatedAt: now,
      });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      return false;
    }
  }
}

function entryId(jobId: string, platform: PostingPlatform): string {
  return `${jobId}:${platform}`;
}
