import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import { createHash } from 'node:crypto';
import type { AppConfig } from '../../config/app-config';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';

/** What an erased user's id or email becomes where a trace of the action has to stay (audit). */
export const ERASED_USER = 'erased-user';

/**
 * Owners whose data was erased: a Redis set `${prefix}:erased-owners` of SHA-256 digests of their
 * ids (the id itself must not stay anywhere). Marked before anything of theirs is deleted, and
 * read where their jobs could write again — a record being written, a job added or started, an
 * event published — so a worker still busy with one of their jobs in another process writes
 * nothing back. One SISMEMBER (or SMISMEMBER per batch) where it is read.
 */
@Injectable()
export class ErasedOwners {
  private readonly key: string;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    config: ConfigService<AppConfig, true>,
  ) {
    this.key = `${config.get('redisPrefix', { infer: true })}:erased-owners`;
  }

  async mark(ownerId: string): Promise<void> {
    await this.redis.sadd(this.key, digestOf(ownerId));
  }

  async isErased(ownerId: string | undefined): Promise<boolean> {
    if (!ownerId) return false;
    return (await this.redis.sismember(this.key, digestOf(ownerId))) === 1;
  }

  /** The items whose owner is not erased (one round trip for the batch). */
  async keep<T>(items: T[], ownerOf: (item: T) => string | undefined): Promise<T[]> {
    const owners = [...new Set(items.map(ownerOf).filter((o): o is string => !!o))];
    if (!owners.length) return items;
    const flags = await this.redis.smismember(this.key, ...owners.map(digestOf));
    const erased = new Set(owners.filter((_, i) => flags[i] === 1));
    return erased.size ? items.filter((item) => !erased.has(ownerOf(item) ?? '')) : items;
  }
}

/** A one-way stand-in for an owner id (used as the marker, and in lock names). */
export function digestOf(ownerId: string): string {
  return createHash('sha256').update(ownerId).digest('hex');
}
