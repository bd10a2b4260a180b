import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { PostingPlatform } from '../common/platforms';

/**
 * posting: a request is (or was) in flight. posted: done, never again. retryable: a definite
 * failure the platform did not act on. failed: the platform refused (4xx). uncertain: the request
 * may have gone through (timeout, crash mid-request) — not re-posted, to never post twice.
 */
export const LEDGER_STATES = ['posting', 'posted', 'retryable', 'failed', 'uncertain'] as const;
export type LedgerState = (typeof LEDGER_STATES)[number];

/** One entry per (job, platform): the guarantee that a job posts at most once to a platform. */
@Schema({ collection: 'social_post_ledger', versionKey: false })
export class PostLedgerEntry {
  /** `${jobId}:${platform}` — unique by construction. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  jobId: string;

  @Prop({ type: String, required: true })
  platform: PostingPlatform;

  @Prop({ type: String, required: true, enum: LEDGER_STATES })
  state: LedgerState;

  @Prop({ type: String })
  postId?: string;

  @Prop({ type: String })
  url?: string;

  @Prop({ type: String })
  error?: string;

  /** How often the platform answered 429 for this entry. */
  @Prop({ type: Number, default: 0 })
  rateLimited: number;

  /** When the latest attempt to post began (a claim): where a search for its post starts. */
  @Prop({ type: Date })
  claimedAt?: Date;

  @Prop({ type: Date, required: true })
  updatedAt: Date;
}

export const PostLedgerSchema = SchemaFactory.createForClass(PostLedgerEntry);
PostLedgerSchema.index({ jobId: 1 });
