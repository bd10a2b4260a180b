import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash } from 'node:crypto';
import type { RedisClient } from '../../infra/redis/redis-client';
import type { AppConfig } from '../../config/app-config';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { REDIS_RETENTION } from '../contracts/queue-catalogue';
import type { QueueName } from '../contracts/queue-names';
import { failureSignature } from './failure-signature';

export interface FailureGroup {
  id: string;
  queue: QueueName;
  name: string;
  signature: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  sampleJobIds: string[];
}

/** A job that failed for good, as the groups see it. */
export interface FailedJob {
  id: string;
  queue: QueueName;
  name: string;
  reason: string;
  failedAt: number;
}

const DROP_IF_EMPTY = `
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('ZREM', KEYS[2], ARGV[1]) end
return 0`;

/** Groups the listing reads at most (a signature per cause: there are few). */
const MAX_GROUPS_READ = 500;

/**
 * Failed jobs grouped by queue, job name and the signature of their reason, kept in Redis as
 * jobs fail (never computed by scanning): `failures:groups` (group id by last failure),
 * `failures:group:<id>` (queue, name, signature, first and last seen) and
 * `failures:group:<id>:jobs` (job id by failure time). Entries go with the failed jobs after
 * 7 days (read-time trimming plus key expiry); a job retried or discarded leaves its group.
 */
@Injectable()
export class FailureGroups {
  private readonly base: string;
  private readonly keepMs = REDIS_RETENTION.failedMs;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<AppConfig, true>,
  ) {
    this.base = `${config.get('redisKeys', { infer: true }).base}:failures`;
  }

  static idOf(queue: string, name: string, signature: string): string {
    return createHash('sha1').update(`${queue}\0${name}\0${signature}`).digest('hex').slice(0, 16);
  }

  /** Idempotent: the same job noted twice counts once. */
  async noteFailed(job: FailedJob): Promise<void> {
    const signature = failureSignature(job.reason);
    const id = FailureGroups.idOf(job.queue, job.name, signature);
    await this.redis
      .multi()
      .zadd(this.jobsKey(id), job.failedAt, job.id)
      .hset(this.groupKey(id), { queue: job.queue, name: job.name, signature })
      .zadd(this.groupsKey(), 'GT', job.failedAt, id)
      .pexpire(this.jobsKey(id), this.keepMs)
      .pexpire(this.groupKey(id), this.keepMs)
      .pexpire(this.groupsKey(), this.keepMs)
      .exec();
  }

  /** Takes a failed job out of its group (its owner was erased); the group goes when empty. */
  async forget(job: Omit<FailedJob, 'failedAt'>): Promise<void> {
    const id = FailureGroups.idOf(job.queue, job.name, failureSignature(job.reason));
    await this.redis.zrem(this.jobsKey(id), job.id);
  }

  /** Groups newest first (by their last failure), failing since `since`, of `queue` if given. */
  async list(filter: { queue?: string; since?: Date; limit: number }): Promise<FailureGroup[]> {
    const min = Math.max(filter.since?.getTime() ?? 0, Date.now() - this.keepMs);
    const ids = await this.redis.zrevrangebyscore(
      this.groupsKey(),
      '+inf',
      min,
      'LIMIT',
      0,
      MAX_GROUPS_READ,
    );
    const groups: FailureGroup[] = [];
    for (const id of ids) {
      if (groups.length >= filter.limit) break;
      const group = await this.read(id);
      if (group && (!filter.queue || group.queue === filter.queue)) groups.push(group);
    }
    return groups;
  }

  /**
   * The queue of a group that exists (it may have no jobs left: a bulk action called twice finds
   * it, with nothing to do); undefined for an id never seen or expired.
   */
  async queueOf(id: string): Promise<QueueName | undefined> {
    if (!/^[0-9a-f]{16}$/.test(id)) return undefined;
    return (await this.redis.hget(this.groupKey(id), 'queue')) ?? undefined;
  }

  /**
   * Takes the group's oldest `count` jobs out of it, with their failure times (to put back with
   * `restore` if handling them fails). Taken before they are retried, so one that fails again at
   * once is counted in its group again.
   */
  async take(id: string, count: number): Promise<[jobId: string, failedAt: number][]> {
    const taken = await this.redis.zpopmin(this.jobsKey(id), count);
    const pairs: [string, number][] = [];
    for (let i = 0; i < taken.length; i += 2) pairs.push([taken[i], Number(taken[i + 1])]);
    return pairs;
  }

  async restore(id: string, jobs: [jobId: string, failedAt: number][]): Promise<void> {
    if (jobs.length)
      await this.redis.zadd(this.jobsKey(id), ...jobs.flatMap(([jobId, at]) => [at, jobId]));
  }

  private async read(id: string): Promise<FailureGroup | undefined> {
    const jobs = this.jobsKey(id);
    // First and last seen are the oldest and newest failure times of its jobs: failures reach
    // the group out of order (several workers), so they are read, never kept beside them.
    const [, fields, count, newest, oldest] = (await this.redis
      .multi()
      .zremrangebyscore(jobs, '-inf', Date.now() - this.keepMs)
      .hgetall(this.groupKey(id))
      .zcard(jobs)
      .zrevrange(jobs, 0, 2, 'WITHSCORES')
      .zrange(jobs, 0, 0, 'WITHSCORES')
      .exec())!.map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [number, Record<string, string>, number, string[], string[]];
    if (!fields.queue || count === 0) {
      // Every job of it expired, was retried or discarded: off the list, unless a failure came
      // in meanwhile (checked in one step; the rest of its keys expire).
      await this.redis.eval(DROP_IF_EMPTY, 2, jobs, this.groupsKey(), id);
      return undefined;
    }
    return {
      id,
      queue: fields.queue,
      name: fields.name,
      signature: fields.signature,
      count,
      firstSeen: new Date(Number(oldest[1])).toISOString(),
      lastSeen: new Date(Number(newest[1])).toISOString(),
      sampleJobIds: newest.filter((_, i) => i % 2 === 0),
    };
  }

  private groupsKey(): string {
    return `${this.base}:groups`;
  }

  private groupKey(id: string): string {
    return `${this.base}:group:${id}`;
  }

  private jobsKey(id: string): string {
    return `${this.base}:group:${id}:jobs`;
  }
}
