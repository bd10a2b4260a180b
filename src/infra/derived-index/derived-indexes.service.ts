import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectConnection } from '@nestjs/mongoose';
import type { RedisClient } from '../redis/redis-client';
import type { Connection } from 'mongoose';
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../../config/app-config';
import { withRedisLease } from '../redis/redis-lock';
import { REDIS_CLIENT } from '../redis/redis.module';

/**
 * A Redis structure derived from MongoDB documents (a per-user list of job ids, the due scheduled
 * posts, the audit pages, ...). Hot paths read it instead of querying MongoDB by anything but
 * `_id` (FerretDB v1 scans the collection for any other filter).
 */
export interface DerivedIndex {
  /** Short, unique: `jobs`, `scheduled-posts`, `audit`. */
  readonly name: string;
  /**
   * Re-derives the whole index from MongoDB (and Redis where the index also covers live jobs).
   * Adds what is missing; may scan collections: it runs in the background, rarely. Returns how
   * many items it indexed.
   */
  rebuild(): Promise<number>;
}

export type IndexCheck = 'ok' | 'rebuilt' | 'busy';

const EPOCHS = 'derived_index_epochs';
const LEASE_MS = 30_000;

/**
 * The replication id of the master that holds KEYS[1]: it changes when a replica is promoted
 * (Sentinel or Cluster failover) or the master restarts without its replication state. Run as a
 * script so a Cluster client sends it to the key's master, not to any node.
 */
const REPLICATION_ID = `return string.match(redis.call('INFO', 'replication'), 'master_replid:(%w+)')`;

/**
 * Knows whether each derived index still matches MongoDB. Each index has an epoch, a random token
 * kept both in MongoDB (`derived_index_epochs`, keyed by the index name) and in Redis. They differ
 * when Redis lost the keys (flushed, or restored from an older snapshot: each check moves both
 * epochs forward) or when MongoDB holds data of a version that had no such index; then the index
 * is rebuilt, under a lease so one process does it.
 * A failover keeps the epoch but may lose the last writes the old master acknowledged (Redis
 * replicates asynchronously): index entries of jobs accepted a moment before. So MongoDB also
 * keeps the replication id of the master the epoch was last seen on; a new one (a replica was
 * promoted, or the master restarted and may have lost its last writes) rebuilds too.
 * Checked at start-up and every JOB_RECONCILE_INTERVAL_MS: a Redis GET, a one-line script and
 * one `_id` read per index.
 */
@Injectable()
export class DerivedIndexes implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly indexes = new Map<string, DerivedIndex>();
  private readonly prefix: string;
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<unknown>;
  private readonly logger = new Logger('DerivedIndexes');

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    @InjectConnection() private readonly connection: Connection,
    config: ConfigService<AppConfig, true>,
  ) {
    this.prefix = config.get('redisKeys', { infer: true }).base;
    this.intervalMs = config.get('jobs', { infer: true }).reconcileIntervalMs;
  }

  register(index: DerivedIndex): void {
    if (this.indexes.has(index.name))
      throw new Error(`derived index ${index.name} registered twice`);
    this.indexes.set(index.name, index);
  }

  onApplicationBootstrap(): void {
    const check = () => {
      if (this.checking) return;
      this.checking = this.verify()
        .catch((e: Error) => this.logger.warn(`index check failed: ${e.message}`))
        .finally(() => (this.checking = undefined));
    };
    check();
    this.timer = setInterval(check, this.intervalMs);
    this.timer.unref();
  }

  /** A rebuild under way is not waited for (it may take minutes); its lease lapses on its own. */
  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * A write to the index was lost (Redis away) while its document was stored: the index is
   * rebuilt at the next check. Written to MongoDB, which answered a moment ago.
   */
  async invalidate(name: string): Promise<void> {
    await this.epochs().updateOne(
      { _id: name },
      { $set: { epoch: `stale:${randomUUID()}` } },
      { upsert: true },
    );
  }

  /** Checks every index (rebuilding the ones that no longer match); resolves when done. */
  async verify(): Promise<Record<string, IndexCheck>> {
    const out: Record<string, IndexCheck> = {};
    for (const index of this.indexes.values()) out[index.name] = await this.check(index);
    return out;
  }

  private async check(index: DerivedIndex): Promise<IndexCheck> {
    const lease = await withRedisLease(this.redis, this.key(index, 'lock'), LEASE_MS, async () => {
      const epochKey = this.key(index, 'epoch');
      const [inRedis, replid, inMongo] = await Promise.all([
        this.redis.get(epochKey),
        // A Redis that refuses INFO in scripts (some managed ones) only loses this check.
        (this.redis.eval(REPLICATION_ID, 1, epochKey) as Promise<string | null>).catch(() => null),
        this.epochs().findOne({ _id: index.name }),
      ]);
      const sameEpoch = inRedis !== null && inMongo !== null && inRedis === inMongo.epoch;
      // A record without a replication id (written before it was kept) is not a failover.
      const sameMaster = !inMongo?.replid || !replid || inMongo.replid === replid;
      const matches = sameEpoch && sameMaster;
      if (!matches) {
        const started = Date.now();
        const count = await index.rebuild();
        const why = sameEpoch ? 'a new Redis master (failover or restart)' : 'epochs differ';
        this.logger.log(
          `index ${index.name} rebuilt from MongoDB (${why}): ${count} items in ${Date.now() - started} ms`,
        );
      }
      // Move both epochs on, MongoDB first: a crash in between only costs a rebuild. Only from
      // the epoch read above: an invalidate() meanwhile must not be overwritten. (A filter on
      // more than `_id` scans; this collection holds one document per index.)
      const epoch = randomUUID();
      const moved = inMongo
        ? (
            await this.epochs().updateOne(
              { _id: index.name, epoch: inMongo.epoch },
              { $set: { epoch, replid, checkedAt: new Date() } },
            )
          ).matchedCount === 1
        : await this.epochs()
            .insertOne({ _id: index.name, epoch, replid })
            .then(() => true)
            .catch(() => false);
      if (moved) await this.redis.set(this.key(index, 'epoch'), epoch);
      return matches ? 'ok' : 'rebuilt';
    });
    return lease.acquired ? lease.value : 'busy';
  }

  private epochs() {
    return this.connection.collection<{ _id: string; epoch: string; replid?: string | null }>(
      EPOCHS,
    );
  }

  private key(index: DerivedIndex, what: string): string {
    return `${this.prefix}:idx:${index.name}:${what}`;
  }
}
