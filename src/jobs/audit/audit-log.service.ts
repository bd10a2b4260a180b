import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { User } from '../../auth/user.schema';
import { AuditEntry } from './audit-entry.schema';

export interface AuditView {
  id: string;
  actorId: string;
  actorEmail: string;
  action: string;
  target: Record<string, unknown>;
  outcome: string;
  at: string;
}

@Injectable()
export class AuditLogService {
  constructor(@InjectModel(AuditEntry.name) private readonly model: Model<AuditEntry>) {}

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
      await this.model.create({ ...entry, outcome: 'ok' });
      return result;
    } catch (error) {
      await this.model
        .create({ ...entry, outcome: `refused: ${(error as Error).message}` })
        .catch(() => undefined);
      throw error;
    }
  }

  /** Newest first; ids are ObjectIds, so they order by time. */
  async list(limit: number, before?: string): Promise<{ items: AuditView[]; nextCursor?: string }> {
    const docs = await this.model
      .find(before ? { _id: { $lt: before } } : {})
      .sort({ _id: -1 })
      .limit(limit + 1)
      .lean<AuditEntry[]>()
      .exec();
    const items = docs.slice(0, limit).map((d) => ({
      id: d._id.toHexString(),
      actorId: d.actorId,
      actorEmail: d.actorEmail,
      action: d.action,
      target: d.target,
      outcome: d.outcome,
      at: d.at.toISOString(),
    }));
    return { items, nextCursor: docs.length > limit ? items[items.length - 1].id : undefined };
  }
}
