import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type { RedisClient } from '../infra/redis/redis-client';
import type { Model } from 'mongoose';
import type { AppConfig } from '../config/app-config';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import type { SocialPostFields } from '../queues/social-posting/post-to-social.payload';
import { withKeyedLock } from '../infra/redis/keyed-lock';
import { ScheduledPost, ScheduledPostState } from './scheduled-post.schema';
import { ScheduledPostsDueIndex } from './scheduled-posts-due-index';

/** A due-index member without its post may be a post being written right now: left this long. */
const MISSING_GRACE_MS = 60_000;
/** findDue reads at most this many pages of the due index per call. */
const MAX_PAGES = 5;

/**
 * The scheduled post documents and their state changes, all by `_id`. A state change checks the
 * current state in code under a short Redis lock per post (FerretDB scans the collection for a
 * filter like `{_id, state}`); due posts come from ScheduledPostsDueIndex.
 */
@Injectable()
export class ScheduledPostsService {
  private readonly lockPrefix: string;
  private readonly logger = new Logger('ScheduledPosts');

  constructor(
    @InjectModel(ScheduledPost.name) private readonly model: Model<ScheduledPost>,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly dueIndex: ScheduledPostsDueIndex,
    config: ConfigService<AppConfig, true>,
  ) {
    this.lockPrefix = `${config.get('redisKeys', { infer: true }).base}:lock:scheduled-post:`;
  }

  /**
   * Indexed first, written second: a crash in between leaves an index member without a post
   * (dropped later), never a scheduled post the sweep cannot find. Without Redis the post is
   * still written: its delayed job cannot be queued either, and the caller then removes it.
   */
  async create(id: string, fields: SocialPostFields, scheduledAt: Date): Promise<void> {
    await this.dueIndex
      .add(id, scheduledAt)
      .catch((error: Error) => this.logger.warn(`post ${id} not indexed: ${error.message}`));
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

  /**
   * Deletes a post still `scheduled` whose job could not be queued. No lock (Redis may be what
   * failed): nothing else changes a post that young without a job (the sweep waits 30 s).
   */
  async remove(id: string): Promise<void> {
    if ((await this.findById(id))?.state !== 'scheduled') return;
    await this.model.deleteOne({ _id: id });
    await this.unindex(id);
  }

  /** Deletes the post whatever its state (its owner was erased; its job is already stopped). */
  async erase(id: string): Promise<void> {
    await this.model.deleteOne({ _id: id });
    await this.unindex(id);
  }

  findById(id: string): Promise<ScheduledPost | null> {
    return this.model.findById(id).lean<ScheduledPost>().exec();
  }

  /**
   * Posts still waiting for their time that is now past, oldest first: ids from the due index,
   * each read by `_id`; members whose post is gone or no longer `scheduled` leave the index.
   */
  async findDue(now: Date, limit: number): Promise<ScheduledPost[]> {
    const due: ScheduledPost[] = [];
    let offset = 0;
    for (let page = 0; page < MAX_PAGES && due.length < limit; page++) {
      const want = limit - due.length;
      const members = await this.dueIndex.due(now, offset, want);
      const posts = await Promise.all(members.map((m) => this.findById(m.id)));
      const stale: string[] = [];
      members.forEach(({ id, at }, i) => {
        const post = posts[i];
        if (post?.state === 'scheduled') due.push(post);
        else if (post || at < now.getTime() - MISSING_GRACE_MS) stale.push(id);
      });
      await this.dueIndex.remove(...stale);
      if (members.length < want) break;
      offset += members.length - stale.length;
    }
    return due;
  }

  async markQueued(id: string, socialJobId: string): Promise<void> {
    await this.changeState(id, (post) =>
      post.state === 'scheduled' || (post.state === 'queued' && post.socialJobId !== socialJobId)
        ? { state: 'queued', socialJobId }
        : undefined,
    );
  }

  /** Final outcome; a post that already ended keeps its first ending. */
  async markEnded(
    id: string,
    state: Extract<ScheduledPostState, 'published' | 'failed' | 'cancelled' | 'expired'>,
    reason?: string,
  ): Promise<void> {
    await this.changeState(id, (post) => {
      if (post.state !== 'scheduled' && post.state !== 'queued') return undefined;
      const set: Partial<ScheduledPost> = { state };
      if (state === 'published') set.publishedAt = new Date();
      if (reason) set.failureReason = reason;
      return set;
    });
  }

  /**
   * A cancelled, failed or expired post whose job an admin queued again: scheduled (and
   * due-indexed) again.
   */
  async reopen(id: string): Promise<void> {
    let scheduledAt: Date | undefined;
    await withKeyedLock(this.redis, this.lockPrefix + id, async () => {
      const post = await this.findById(id);
      if (post?.state !== 'cancelled' && post?.state !== 'failed' && post?.state !== 'expired')
        return;
      scheduledAt = post.scheduledAt;
      await this.model.updateOne(
        { _id: id },
        { $set: { state: 'scheduled' }, $unset: { failureReason: 1, socialJobId: 1 } },
      );
    });
    if (scheduledAt) await this.dueIndex.add(id, scheduledAt);
  }

  /** Read, decide, write by `_id`, under the post's lock; then the post leaves the due index. */
  private async changeState(
    id: string,
    decide: (post: ScheduledPost) => Partial<ScheduledPost> | undefined,
  ): Promise<void> {
    await withKeyedLock(this.redis, this.lockPrefix + id, async () => {
      const post = await this.findById(id);
      const set = post && decide(post);
      if (set) await this.model.updateOne({ _id: id }, { $set: set });
    });
    await this.unindex(id);
  }

  /** A member left behind is harmless: findDue drops it when it sees the post. */
  private async unindex(id: string): Promise<void> {
    await this.dueIndex
      .remove(id)
      .catch((error: Error) =>
        this.logger.warn(`post ${id} left in the due index: ${error.message}`),
      );
  }
}
