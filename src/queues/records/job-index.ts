import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisClient } from '../../infra/redis/redis-client';
import type { ChainableCommander } from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { IndexCursor, IndexedJob, IndexEntry, JobIndexKeys, jobIndexKeys } from './job-index-keys';
import { fromRef, JobRef, toRef } from './job-ref';
import { ADDED, RECORDED } from './job-index-scripts';
import { runScript } from '../../infra/redis/lua-script';
import { throwFirstError } from '../../infra/redis/redis-client';
import { JobEndsBatch } from './job-ends-batch';
import { runTimesKey } from './run-times';

export type { IndexCursor, IndexedJob, IndexEntry } from './job-index-keys';

/**
 * The Redis side of job history, derived from the records and the live jobs (see JobIndexRebuild):
 * - `idx:jobs:u:<owner>` and `idx:jobs:u:<owner>:q:<queue>`: a user's jobs by creation time;
 * - `idx:jobs:c:<content>`: a content item's jobs (its pipeline timeline);
 * - `idx:jobs:q:<queue>` and `idx:jobs:all`: a queue's jobs and every job (admin search);
 * - `idx:jobs:open:u:<owner>`: the user's unfinished jobs (the quota is its SCARD);
 * - `idx:jobs:open`: every job whose record is not final yet, scored by when the reconciler
 *   should look at it next.
 * Members are job refs (`<id>#<queue>`). Every read here is O(log n + page).
 */
@Injectable()
export class JobIndex implements OnApplicationShutdown {
  private readonly base: string;
  private readonly keys: JobIndexKeys;
  private readonly prefix: string;
  private readonly ends: JobEndsBatch;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<AppConfig, true>,
  ) {
    this.prefix = config.get('redisKeys', { infer: true }).base;
    this.base = `${this.prefix}:idx:jobs`;
    this.keys = jobIndexKeys(this.base);
    this.ends = new JobEndsBatch(redis);
  }

  /** Lists a new (or re-queued) job and counts it as unfinished; idempotent. */
  async added(job: IndexedJob, checkAt: number): Promise<void> {
    // An end of this job still held would otherwise reach Redis after this add and undo it.
    this.ends.send();
    await runScript(this.redis, ADDED, this.scriptKeys(job), [toRef(job), job.createdAt, checkAt]);
  }

  /** Undoes added() for a job Redis did not take after all. */
  async removed(job: IndexedJob): Promise<void> {
    this.ends.send();
    const ref = toRef(job);
    const tx = this.redis.multi();
    for (const key of this.listKeys(job)) tx.zrem(key, ref);
    tx.srem(this.keys.userOpen(job.ownerId), ref).zrem(this.keys.open, ref);
    await tx.exec().then(throwFirstError);
  }

  /** Adds index entries in a pipeline (for rebuilds); `open` for unfinished jobs. */
  addTo(pipeline: ChainableCommander, job: IndexedJob, open: boolean): ChainableCommander {
    return this.list(pipeline, job, open, 0);
  }

  pipeline(): ChainableCommander {
    return this.redis.pipeline();
  }

  /**
   * The job no longer counts against its owner's quota (it finished or was cancelled). A run its
   * worker timed (`ranMs`) also moves the queue's average run time (start estimates), in the same
   * call. This is on every job's end: ends are sent together (JobEndsBatch); the promise settles
   * once Redis has this one.
   */
  finished(job: JobRef, ownerId: string, ranMs?: number): Promise<void> {
    return this.ends.add({
      openKey: this.keys.userOpen(ownerId),
      runTimesKey: ranMs === undefined ? undefined : runTimesKey(this.prefix, job.queue),
      ref: toRef(job),
      ranMs,
    });
  }

  onApplicationShutdown(): void {
    this.ends.send();
  }

  /**
   * These jobs' final records are in MongoDB: listed (again, harmlessly; it also lists a job that
   * reached Redis outside the kernel), no longer counted as unfinished, and no longer for the
   * reconciler to look at. One script call per batch: a busy worker records hundreds a second.
   */
  async recorded(jobs: IndexedJob[], { closeChecks = true } = {}): Promise<void> {
    if (!jobs.length) return;
    const keys = jobs.flatMap((job) => this.scriptKeys(job));
    const args = jobs.flatMap((job) => [toRef(job), job.createdAt]);
    await runScript(this.redis, RECORDED, keys, [closeChecks ? '1' : '0', ...args]);
  }

  /** The reconciler need not look at these jobs again. */
  async closeChecks(jobs: JobRef[]): Promise<void> {
    if (jobs.length) await this.redis.zrem(this.keys.open, ...jobs.map(toRef));
  }

  /** Forgets a job everywhere (its record was pruned, or it was lost with no record). */
  async forget(job: Omit<IndexedJob, 'createdAt'>): Promise<void> {
    await this.removed({ ...job, createdAt: 0 });
  }

  /** Jobs the reconciler should look at now, oldest due first. */
  async dueForCheck(now: number, limit: number): Promise<JobRef[]> {
    const members = await this.redis.zrangebyscore(this.keys.open, '-inf', now, 'LIMIT', 0, limit);
    return members.map(fromRef).filter((r): r is JobRef => !!r);
  }

  async checkLater(jobs: JobRef[], at: number): Promise<void> {
    if (!jobs.length) return;
    await this.redis.zadd(this.keys.open, 'XX', ...jobs.flatMap((j) => [at, toRef(j)]));
  }

  /** Puts a job (back) among those the reconciler checks, due at once. */
  async checkSoon(job: IndexedJob): Promise<void> {
    await this.added(job, 0);
  }

  /** A user's jobs newest first, strictly after `after`; at most `count`. */
  page(
    ownerId: string,
    queue: string | undefined,
    after: IndexCursor | undefined,
    count: number,
  ): Promise<IndexEntry[]> {
    return this.pageOf(
      queue ? this.keys.userQueue(ownerId, queue) : this.keys.user(ownerId),
      after,
      count,
    );
  }

  /**
   * Jobs newest first from the narrowest listing the scope names — an owner's (of a queue), a
   * content item's, a queue's, or every job's — created within [from, to], strictly after `after`.
   */
  scopePage(
    scope: { ownerId?: string; contentId?: string; queue?: string },
    range: { from?: number; to?: number },
    after: IndexCursor | undefined,
    count: number,
  ): Promise<IndexEntry[]> {
    const key = scope.ownerId
      ? scope.queue
        ? this.keys.userQueue(scope.ownerId, scope.queue)
        : this.keys.user(scope.ownerId)
      : scope.contentId
        ? this.keys.content(scope.contentId)
        : scope.queue
          ? this.keys.queue(scope.queue)
          : this.keys.all;
    return this.pageOf(key, after, count, range);
  }

  private async pageOf(
    key: string,
    after: IndexCursor | undefined,
    count: number,
    range: { from?: number; to?: number } = {},
  ): Promise<IndexEntry[]> {
    const out: IndexEntry[] = [];
    const top = Math.min(after?.createdAt ?? Infinity, range.to ?? Infinity);
    let offset = 0;
    const batch = count + 10;
    while (out.length < count) {
      const rows = await this.redis.zrevrangebyscore(
        key,
        top === Infinity ? '+inf' : top,
        range.from ?? '-inf',
        'WITHSCORES',
        'LIMIT',
        offset,
        batch,
      );
      for (let i = 0; i < rows.length && out.length < count; i += 2) {
        const createdAt = Number(rows[i + 1]);
        // Same millisecond as the cursor: only members that sort below it come after it.
        if (after && createdAt === after.createdAt && rows[i] >= after.member) continue;
        const ref = fromRef(rows[i]);
        if (ref) out.push({ ref, createdAt });
      }
      if (rows.length < batch * 2) break;
      offset += batch;
    }
    return out;
  }

  /** The user's unfinished jobs with their creation times, newest first. */
  async openOf(ownerId: string): Promise<IndexEntry[]> {
    const members = await this.redis.smembers(this.keys.userOpen(ownerId));
    if (!members.length) return [];
    const scores = await this.redis.zmscore(this.keys.user(ownerId), ...members);
    return members
      .map((member, i) => ({ ref: fromRef(member), createdAt: Number(scores[i] ?? 0), member }))
      .filter((e): e is IndexEntry & { member: string } => !!e.ref)
      .sort((a, b) => b.createdAt - a.createdAt || (a.member < b.member ? 1 : -1))
      .map(({ ref, createdAt }) => ({ ref, createdAt }));
  }

  /** Whether a producer got as far as listing this job (it writes the index before Redis). */
  async isListed(job: JobRef, ownerId: string): Promise<boolean> {
    return (await this.redis.zscore(this.keys.user(ownerId), toRef(job))) !== null;
  }

  openCount(ownerId: string): Promise<number> {
    return this.redis.scard(this.keys.userOpen(ownerId));
  }

  /** A content item's jobs in the order they were made. */
  async forContent(contentId: string, limit: number): Promise<IndexEntry[]> {
    const rows = await this.redis.zrange(this.keys.content(contentId), 0, limit - 1, 'WITHSCORES');
    const out: IndexEntry[] = [];
    for (let i = 0; i < rows.length; i += 2) {
      const ref = fromRef(rows[i]);
      if (ref) out.push({ ref, createdAt: Number(rows[i + 1]) });
    }
    return out;
  }

  private list(
    tx: ChainableCommander,
    job: IndexedJob,
    open: boolean,
    checkAt: number,
  ): ChainableCommander {
    const ref = toRef(job);
    for (const key of this.listKeys(job)) tx.zadd(key, job.createdAt, ref);
    if (open) tx.sadd(this.keys.userOpen(job.ownerId), ref).zadd(this.keys.open, checkAt, ref);
    return tx;
  }

  /** The seven keys the ADDED and RECORDED scripts take per job (see job-index-scripts). */
  private scriptKeys(job: IndexedJob): string[] {
    return [
      this.keys.user(job.ownerId),
      this.keys.userQueue(job.ownerId, job.queue),
      this.keys.queue(job.queue),
      this.keys.all,
      job.contentId ? this.keys.content(job.contentId) : this.keys.all,
      this.keys.userOpen(job.ownerId),
      this.keys.open,
    ];
  }

  private listKeys(job: Omit<IndexedJob, 'createdAt'>): string[] {
    const keys = [
      this.keys.user(job.ownerId),
      this.keys.userQueue(job.ownerId, job.queue),
      this.keys.queue(job.queue),
      this.keys.all,
    ];
    if (job.contentId) keys.push(this.keys.content(job.contentId));
    return keys;
  }

  /** Every job listed for the owner, finished or not (the erase reads them all at once). */
  async ownerRefs(ownerId: string): Promise<JobRef[]> {
    const [listed, open] = await Promise.all([
      this.redis.zrange(this.keys.user(ownerId), 0, -1),
      this.redis.smembers(this.keys.userOpen(ownerId)),
    ]);
    return [...new Set([...listed, ...open])].map(fromRef).filter((r): r is JobRef => !!r);
  }

  /** Forgets an owner's jobs everywhere: out of the shared listings, and their own keys gone. */
  async forgetOwner(
    ownerId: string,
    jobs: JobRef[],
    contentIds: string[],
    queues: string[],
  ): Promise<void> {
    const tx = this.redis.pipeline();
    for (const job of jobs)
      tx.zrem(this.keys.queue(job.queue), toRef(job))
        .zrem(this.keys.all, toRef(job))
        .zrem(this.keys.open, toRef(job));
    for (const id of contentIds) tx.del(this.keys.content(id));
    for (const queue of queues) tx.del(this.keys.userQueue(ownerId, queue));
    tx.del(this.keys.user(ownerId), this.keys.userOpen(ownerId));
    await tx.exec().then(throwFirstError);
  }

  async hasLayout(layout: string): Promise<boolean> {
    return (await this.redis.get(`${this.base}:layout`)) === layout;
  }

  async markLayout(layout: string): Promise<void> {
    await this.redis.set(`${this.base}:layout`, layout);
  }
}
