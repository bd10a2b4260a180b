import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { PostingPlatform } from '../content/platforms';
import { LedgerState, PostLedgerEntry } from './post-ledger.schema';

export type Claim = { claimed: true } | { claimed: false; entry: PostLedgerEntry };

/** Claims and records per (job, platform) posts; the unique _id is what makes "at most once" hold. */
@Injectable()
export class PostLedgerService {
  constructor(@InjectModel(PostLedgerEntry.name) private readonly model: Model<PostLedgerEntry>) {}

  /**
   * Claims the right to post: a new entry, or one whose earlier try definitely did not post
   * (retryable, or failed and now retried). A posted, uncertain or in-flight entry is not claimed.
   */
  async claim(jobId: string, platform: PostingPlatform): Promise<Claim> {
    const _id = `${jobId}:${platform}`;
    try {
      await this.model.create({ _id, jobId, platform, state: 'posting', updatedAt: new Date() });
      return { claimed: true };
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
    const reclaimed = await this.model
      .findOneAndUpdate(
        { _id, state: { $in: ['retryable', 'failed'] } },
        { $set: { state: 'posting', updatedAt: new Date() }, $unset: { error: '' } },
      )
      .lean<PostLedgerEntry>()
      .exec();
    if (reclaimed) return { claimed: true };
    const entry = await this.model.findById(_id).lean<PostLedgerEntry>().exec();
    return { claimed: false, entry: entry! };
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
      .findOneAndUpdate({ _id: `${jobId}:${platform}` }, update, { new: true })
      .lean<PostLedgerEntry>()
      .exec();
    return entry!;
  }

  /** A crashed attempt left `posting` behind: its outcome is unknown, so it is never re-posted. */
  async markUncertain(jobId: string, platform: PostingPlatform): Promise<PostLedgerEntry> {
    return this.settle(jobId, platform, 'uncertain', {
      error: 'an earlier attempt stopped mid-request; not re-posted to avoid a duplicate',
    });
  }

  entriesFor(jobId: string): Promise<PostLedgerEntry[]> {
    return this.model.find({ jobId }).lean<PostLedgerEntry[]>().exec();
  }
}
