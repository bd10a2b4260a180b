import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type { RedisClient } from '../../infra/redis/redis-client';
import type { Model } from 'mongoose';
import type { User } from '../../auth/user.schema';
import type { AppConfig } from '../../config/app-config';
import { DerivedIndexes } from '../../infra/derived-index/derived-indexes.service';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { AuditEntry } from './audit-entry.schema';
import { AuditIndex } from './audit-index';
import { AuditSubjects, USER_FIELDS } from './audit-subjects';
import { ERASED_USER, JobKernel } from '../../queues';

export interface AuditView {
  id: string;
  actorId: string;
  actorEmail: string;
  action: string;
  target: Record<string, unknown>;
  outcome: string;
  at: string;
}

/** Admin actions, written to `audit_log` and listed newest first through AuditIndex. */
@Injectable()
export class AuditLogService implements OnModuleInit {
  private readonly index: AuditIndex;
  private readonly subjects: AuditSubjects;
  private readonly logger = new Logger('AuditLog');

  constructor(
    @InjectModel(AuditEntry.name) private readonly model: Model<AuditEntry>,
    @Inject(REDIS_CLIENT) redis: RedisClient,
    config: ConfigService<AppConfig, true>,
    private readonly indexes: DerivedIndexes,
    private readonly kernel: JobKernel,
  ) {
    const prefix = config.get('redisKeys', { infer: true }).base;
    this.index = new AuditIndex(redis, prefix, model);
    this.subjects = new AuditSubjects(redis, prefix, model);
  }

  onModuleInit(): void {
    this.indexes.register(this.index);
    this.indexes.register(this.subjects);
  }

  /**
   * Runs an admin action and records it whatever happens: a refused or failed action is logged
   * with its error before the error goes back to the caller. An action on a job names the job's
   * owner too (`ownerId`), so the entry is found with that user's data. `targetAfter` replaces
   * the target once the action succeeded (an erased user's id must not stay behind).
   */
  async record<T>(
    actor: User,
    action: string,
    target: Record<string, unknown>,
    run: () => Promise<T>,
    targetAfter?: (result: T) => Record<string, unknown>,
  ): Promise<T> {
    const entry = {
      actorId: actor._id.toHexString(),
      actorEmail: actor.email,
      action,
      target: await this.withOwner(target),
      at: new Date(),
    };
    try {
      const result = await run();
      const after = targetAfter?.(result);
      await this.write({ ...entry, ...(after ? { target: after } : {}), outcome: 'ok' });
      return result;
    } catch (error) {
      await this.write({ ...entry, outcome: `refused: ${(error as Error).message}` }).catch(
        () => undefined,
      );
      throw error;
    }
  }

  /** An event no person caused (a circuit breaker opening, say), by the actor `system`. */
  async system(action: string, target: Record<string, unknown>): Promise<void> {
    await this.write({
      actorId: 'system',
      actorEmail: 'system',
      action,
      target,
      outcome: 'ok',
      at: new Date(),
    });
  }

  /** The entries about a user (as actor, or named by the target), oldest first. */
  async about(userId: string): Promise<AuditView[]> {
    const ids = await this.subjects.about(userId);
    const docs = await Promise.all(ids.map((id) => this.model.findById(id).lean<AuditEntry>()));
    return docs.filter((d): d is AuditEntry => d !== null).map(toView);
  }

  /**
   * The user is erased: their entries stay (the actions happened) with the user's id and email
   * replaced by ERASED_USER; one `_id` read and update per entry. Returns how many changed.
   */
  async tombstone(userId: string, email: string): Promise<number> {
    const ids = await this.subjects.about(userId);
    let changed = 0;
    for (const id of ids) {
      const entry = await this.model.findById(id).lean<AuditEntry>().exec();
      if (!entry) continue;
      const set: Record<string, string> = {};
      if (entry.actorId === userId) Object.assign(set, { actorId: ERASED_USER });
      if (entry.actorEmail === email) set.actorEmail = ERASED_USER;
      for (const field of [...USER_FIELDS, 'email'])
        if (entry.target?.[field] === userId || entry.target?.[field] === email)
          set[`target.${field}`] = ERASED_USER;
      if (Object.keys(set).length) changed++;
      if (Object.keys(set).length) await this.model.updateOne({ _id: entry._id }, { $set: set });
    }
    await this.subjects.forget(userId);
    return changed;
  }

  /** Newest first: ids from the index (ObjectIds order by time), then each entry by `_id`. */
  async list(limit: number, before?: string): Promise<{ items: AuditView[]; nextCursor?: string }> {
    const ids = await this.index.newest(limit + 1, before);
    const page = ids.slice(0, limit);
    const docs = await Promise.all(
      page.map((id) => this.model.findById(id).lean<AuditEntry>().exec()),
    );
    const items = docs.filter((d): d is AuditEntry => d !== null).map(toView);
    return { items, nextCursor: ids.length > limit ? page[page.length - 1] : undefined };
  }

  /**
   * The entry, then its place in the index. Without Redis the entry is kept, and the index is
   * marked for a rebuild at its next check; the admin action itself is not failed for it.
   */
  private async write(entry: Omit<AuditEntry, '_id'>): Promise<void> {
    const doc = await this.model.create(entry);
    for (const [index, add] of [
      [this.index, () => this.index.add(doc._id)],
      [this.subjects, () => this.subjects.add(doc._id, entry)],
    ] as const)
      await add().catch(async (error: Error) => {
        this.logger.warn(`audit entry not indexed, ${index.name} to be rebuilt: ${error.message}`);
        await this.indexes.invalidate(index.name).catch(() => undefined);
      });
  }

  /** An action on a job: the job's owner (a user whose data this entry then is) is named too. */
  private async withOwner(target: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (typeof target.jobId !== 'string' || 'ownerId' in target) return target;
    const owner = await this.kernel.find(target.jobId).then(
      (job) => job.ownerId,
      () => undefined,
    );
    return owner && owner !== 'system' ? { ...target, ownerId: owner } : target;
  }
}

function toView(d: AuditEntry): AuditView {
  return {
    id: d._id.toHexString(),
    actorId: d.actorId,
    actorEmail: d.actorEmail,
    action: d.action,
    target: d.target,
    outcome: d.outcome,
    at: d.at.toISOString(),
  };
}
