import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type { RedisClient } from '../infra/redis/redis-client';
import type { Model } from 'mongoose';
import type { AppConfig } from '../config/app-config';
import { DerivedIndex, DerivedIndexes } from '../infra/derived-index/derived-indexes.service';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { ScheduledPost } from './scheduled-post.schema';

const BATCH = 500;

/**
 * The posts still `scheduled`, by when they are due: a Redis sorted set
 * `${prefix}:idx:scheduled-posts:due` (member: post id, score: scheduledAt in ms), so the
 * per-minute sweep finds due posts without querying MongoDB by state and date. Members are added
 * before their post is written and removed after it leaves `scheduled`, so a member may name a
 * post that is gone or moved on (readers check the post and drop such members), but a
 * `scheduled` post is never missing, short of Redis losing data (then `rebuild` restores it).
 */
@Injectable()
export class ScheduledPostsDueIndex implements DerivedIndex, OnModuleInit {
  readonly name = 'scheduled-posts';
  private readonly key: string;

  constructor(
    @InjectModel(ScheduledPost.name) private readonly model: Model<ScheduledPost>,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly indexes: DerivedIndexes,
    config: ConfigService<AppConfig, true>,
  ) {
    this.key = `${config.get('redisKeys', { infer: true }).base}:idx:scheduled-posts:due`;
  }

  onModuleInit(): void {
    this.indexes.register(this);
  }

  async add(id: string, scheduledAt: Date): Promise<void> {
    await this.redis.zadd(this.key, scheduledAt.getTime(), id);
  }

  async remove(...ids: string[]): Promise<void> {
    if (ids.length) await this.redis.zrem(this.key, ...ids);
  }

  /** Up to `count` members due at `now`, oldest first, skipping the first `offset`. */
  async due(now: Date, offset: number, count: number): Promise<{ id: string; at: number }[]> {
    const flat = await this.redis.zrangebyscore(
      this.key,
      '-inf',
      now.getTime(),
      'WITHSCORES',
      'LIMIT',
      offset,
      count,
    );
    const members: { id: string; at: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) members.push({ id: flat[i], at: Number(flat[i + 1]) });
    return members;
  }

  /** One scan of scheduled_posts for the posts still `scheduled` (runs rarely, in the background). */
  async rebuild(): Promise<number> {
    const cursor = this.model
      .find({ state: 'scheduled' }, { scheduledAt: 1 })
      .lean<Pick<ScheduledPost, '_id' | 'scheduledAt'>[]>()
      .cursor();
    let batch: (string | number)[] = [];
    let count = 0;
    for await (const post of cursor) {
      batch.push(post.scheduledAt.getTime(), post._id);
      count++;
      if (batch.length >= 2 * BATCH) {
        await this.redis.zadd(this.key, ...batch);
        batch = [];
      }
    }
    if (batch.length) await this.redis.zadd(this.key, ...batch);
    return count;
  }
}
