import type { RedisClient } from '../../infra/redis/redis-client';
import type { Model, Types } from 'mongoose';
import type { DerivedIndex } from '../../infra/derived-index/derived-indexes.service';
import type { AuditEntry } from './audit-entry.schema';

const BATCH = 500;
/** Target fields that name a user (the one acted on, the owner of the job acted on). */
export const USER_FIELDS = ['userId', 'ownerId'] as const;

/** The users an entry is about: its actor (unless `system`) and the users its target names. */
export function subjectsOf(entry: Pick<AuditEntry, 'actorId' | 'target'>): string[] {
  const named = USER_FIELDS.map((field) => entry.target?.[field]);
  return [...new Set([entry.actorId, ...named])].filter(
    (id): id is string => typeof id === 'string' && id !== 'system' && id !== '',
  );
}

/**
 * The audit entries about each user, in Redis: a set `${prefix}:idx:audit:subject:<userId>` of
 * entry ids, so a user's export and erase find their entries without a scan of audit_log. Added
 * with each entry; rebuilt from audit_log by one background scan.
 */
export class AuditSubjects implements DerivedIndex {
  readonly name = 'audit-subjects';
  private readonly base: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly model: Model<AuditEntry>,
  ) {
    this.base = `${prefix}:idx:audit:subject`;
  }

  async add(id: Types.ObjectId, entry: Pick<AuditEntry, 'actorId' | 'target'>): Promise<void> {
    const tx = this.redis.multi();
    for (const subject of subjectsOf(entry)) tx.sadd(this.key(subject), id.toHexString());
    await tx.exec();
  }

  /** The ids of the entries about `userId`, oldest first (ObjectIds sort by time). */
  async about(userId: string): Promise<string[]> {
    return (await this.redis.smembers(this.key(userId))).sort();
  }

  async forget(userId: string): Promise<void> {
    await this.redis.del(this.key(userId));
  }

  /** One scan of audit_log (runs rarely, in the background). */
  async rebuild(): Promise<number> {
    const cursor = this.model
      .find({}, { _id: 1, actorId: 1, target: 1 })
      .lean<Pick<AuditEntry, '_id' | 'actorId' | 'target'>[]>()
      .cursor();
    let pipeline = this.redis.pipeline();
    let count = 0;
    for await (const entry of cursor) {
      for (const subject of subjectsOf(entry))
        pipeline.sadd(this.key(subject), entry._id.toHexString());
      if (++count % BATCH === 0) {
        await pipeline.exec();
        pipeline = this.redis.pipeline();
      }
    }
    await pipeline.exec();
    return count;
  }

  private key(userId: string): string {
    return `${this.base}:${userId}`;
  }
}
