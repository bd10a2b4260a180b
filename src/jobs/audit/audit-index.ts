import type { RedisClient } from '../../infra/redis/redis-client';
import { Types, type Model } from 'mongoose';
import type { DerivedIndex } from '../../infra/derived-index/derived-indexes.service';
import type { AuditEntry } from './audit-entry.schema';

const BATCH = 500;

/**
 * The audit log's order, in Redis: a sorted set `${prefix}:idx:audit:entries` whose members are
 * entry ids (ObjectId hex) scored by the id's own timestamp in ms. Within one score Redis orders
 * members by their bytes, and lower-case hex compares like the ObjectId (time, then process,
 * then counter), so the set's order is the ids' order: newest first is the set reversed.
 */
export class AuditIndex implements DerivedIndex {
  readonly name = 'audit';
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly model: Model<AuditEntry>,
  ) {
    this.key = `${prefix}:idx:audit:entries`;
  }

  async add(id: Types.ObjectId): Promise<void> {
    await this.redis.zadd(this.key, scoreOf(id), id.toHexString());
  }

  /** Up to `count` ids, newest first, strictly older than `before` when given. */
  async newest(count: number, before?: string): Promise<string[]> {
    if (!before) return this.redis.zrevrange(this.key, 0, count - 1);
    const score = scoreOf(new Types.ObjectId(before));
    // Ids of the cursor's own second that sort before it, then everything of earlier seconds.
    const [sameSecond, earlier] = await Promise.all([
      this.redis.zrangebyscore(this.key, score, score),
      this.redis.zrevrangebyscore(this.key, `(${score}`, '-inf', 'LIMIT', 0, count),
    ]);
    const older = sameSecond.filter((id) => id < before).reverse();
    return [...older, ...earlier].slice(0, count);
  }

  /** One scan of audit_log (runs rarely, in the background). */
  async rebuild(): Promise<number> {
    const cursor = this.model.find({}, { _id: 1 }).lean<Pick<AuditEntry, '_id'>[]>().cursor();
    let batch: (string | number)[] = [];
    let count = 0;
    for await (const { _id } of cursor) {
      batch.push(scoreOf(_id), _id.toHexString());
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

function scoreOf(id: Types.ObjectId): number {
  return id.getTimestamp().getTime();
}
