import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type Redis from 'ioredis';
import type { Model } from 'mongoose';
import type { User } from '../../auth/user.schema';
import type { AppConfig } from '../../config/app-config';
import { DerivedIndexes } from '../../infra/derived-index/derived-indexes.service';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { AuditEntry } from './audit-entry.schema';
import { AuditIndex } from './audit-index';

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
  private readonly logger = new Logger('AuditLog');

  constructor(
    @InjectModel(AuditEntry.name) private readonly model: Model<AuditEntry>,
    @Inject(REDIS_CLIENT) redis: Redis,
    config: ConfigService<AppConfig, true>,
    private readonly indexes: DerivedIndexes,
  ) {
    this.index = new AuditIndex(redis, config.get('redisPrefix', { infer: true }), model);
  }

  onModuleInit(): void {
    this.indexes.register(this.index);
  }

  /**
   * Runs an admin action and records it whatever happens: a refused or failed action is logged
   * with its error before the error goes back to the caller.
   */
  async record<T>(
    actor: User,
    action: string,
    target: Record<string, unknown>,
    run: () => Promise<T>,
  ): Promise<T> {
    const entry = {
      actorId: actor._id.toHexString(),
      actorEmail: actor.email,
      action,
      target,
      at: new Date(),
    };
    try {
      const result = await run();
      await this.write({ ...entry, outcome: 'ok' });
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

  /** Newest first: ids from the index (ObjectIds order by time), then each entry by `_id`. */
  async list(limit: number, before?: string): Promise<{ items: AuditView[]; nextCursor?: string }> {
    const ids = await this.index.newest(limit + 1, before);
    const page = ids.slice(0, limit);
    const docs = await Promise.all(
      page.map((id) => this.model.findById(id).lean<AuditEntry>().exec()),
    );
    const items = docs
      .filter((d): d is AuditEntry => d !== null)
      .map((d) => ({
        id: d._id.toHexString(),
        actorId: d.actorId,
        actorEmail: d.actorEmail,
        action: d.action,
        target: d.target,
        outcome: d.outcome,
        at: d.at.toISOString(),
      }));
    return { items, nextCursor: ids.length > limit ? page[page.length - 1] : undefined };
  }

  /**
   * The entry, then its place in the index. Without Redis the entry is kept, and the index is
   * marked for a rebuild at its next check; the admin action itself is not failed for it.
   */
  private async write(entry: Omit<AuditEntry, '_id'>): Promise<void> {
    const doc = await this.model.create(entry);
    await this.index.add(doc._id).catch(async (error: Error) => {
      this.logger.warn(`audit entry not indexed, index to be rebuilt: ${error.message}`);
      await this.indexes.invalidate(this.index.name).catch(() => undefined);
    });
  }
}
