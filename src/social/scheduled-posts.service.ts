import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { SocialPostFields } from '../queues/social-posting/post-to-social.payload';
import { ScheduledPost, ScheduledPostState } from './scheduled-post.schema';

/** The scheduled post documents and their state changes. */
@Injectable()
export class ScheduledPostsService {
  constructor(@InjectModel(ScheduledPost.name) private readonly model: Model<ScheduledPost>) {}

  async create(id: string, fields: SocialPostFields, scheduledAt: Date): Promise<void> {
    await this.model.create({
      _id: id,
      ownerId: fields.userId,
      contentId: fields.contentId,
      platforms: fields.platforms,
      content: fields.content,
      scheduledAt,
      state: 'scheduled',
    });
  }

  async remove(id: string): Promise<void> {
    await this.model.deleteOne({ _id: id, state: 'scheduled' });
  }

  findById(id: string): Promise<ScheduledPost | null> {
    return this.model.findById(id).lean<ScheduledPost>().exec();
  }

  /** Posts still waiting for their time that is now past, oldest first. */
  findDue(now: Date, limit: number): Promise<ScheduledPost[]> {
    return this.model
      .find({ state: 'scheduled', scheduledAt: { $lte: now } })
      .sort({ scheduledAt: 1 })
      .limit(limit)
      .lean<ScheduledPost[]>()
      .exec();
  }

  async markQueued(id: string, socialJobId: string): Promise<void> {
    await this.model.updateOne(
      { _id: id, state: { $in: ['scheduled', 'queued'] } },
      { $set: { state: 'queued', socialJobId } },
    );
  }

  /** Final outcome; a post that already ended keeps its first ending. */
  async markEnded(
    id: string,
    state: Extract<ScheduledPostState, 'published' | 'failed' | 'cancelled'>,
    reason?: string,
  ): Promise<void> {
    const set: Partial<ScheduledPost> = { state };
    if (state === 'published') set.publishedAt = new Date();
    if (reason) set.failureReason = reason;
    await this.model.updateOne({ _id: id, state: { $in: ['scheduled', 'queued'] } }, { $set: set });
  }
}
