import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';
import type { PostingPlatform } from '../common/platforms';

/**
 * scheduled → queued (handed to social-posting) → published | failed; or cancelled before; or
 * expired (not started by its deadline: never posted).
 */
export const SCHEDULED_POST_STATES = [
  'scheduled',
  'queued',
  'published',
  'failed',
  'cancelled',
  'expired',
] as const;
export type ScheduledPostState = (typeof SCHEDULED_POST_STATES)[number];

@Schema({ collection: 'scheduled_posts', versionKey: false, timestamps: true })
export class ScheduledPost {
  /** Also the id of its delayed scheduled-posts job. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  ownerId: string;

  @Prop({ type: String })
  contentId?: string;

  @Prop({ type: [String], required: true })
  platforms: PostingPlatform[];

  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  content: { text: string; imageUrl?: string };

  @Prop({ type: Date, required: true })
  scheduledAt: Date;

  @Prop({ type: String, required: true, enum: SCHEDULED_POST_STATES })
  state: ScheduledPostState;

  /** The social-posting job it handed off to. */
  @Prop({ type: String })
  socialJobId?: string;

  @Prop({ type: Date })
  publishedAt?: Date;

  @Prop({ type: String })
  failureReason?: string;

  createdAt: Date;
  updatedAt: Date;
}

export const ScheduledPostSchema = SchemaFactory.createForClass(ScheduledPost);
// The per-minute sweep looks for due posts still `scheduled`.
ScheduledPostSchema.index({ state: 1, scheduledAt: 1 });
ScheduledPostSchema.index({ ownerId: 1, scheduledAt: -1 });
