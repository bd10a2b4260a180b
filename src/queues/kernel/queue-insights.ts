import { Inject, Injectable } from '@nestjs/common';
import { throwFirstError } from '../../infra/redis/redis-client';
import type { RedisClient } from '../../infra/redis/redis-client';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import type { QueueName } from '../contracts/queue-names';
import {
  bandStart,
  JOB_PRIORITY,
  PRIORITY_VALUES,
  TURNS_PER_BAND,
} from '../contracts/job-priority';
import { isCancelledReason } from '../contracts/job-errors';
import { JobStatus, statusFromJob } from './job-status';
import { QueueRegistry } from './queue-registry';

/** BullMQ's prioritized set scores a job `priority * 2^32 + counter`. */
const SCORE_SPAN = 2 ** 32;
/** Score ranges to look in: earlier versions' one-priority levels, then each level's band. */
const RANGES = [
  [SCORE_SPAN, bandStart(JOB_PRIORITY.CRITICAL) * SCORE_SPAN],
  ...PRIORITY_VALUES.map((p) => [
    bandStart(p) * SCORE_SPAN,
    (bandStart(p) + TURNS_PER_BAND) * SCORE_SPAN,
  ]),
].flat();
/**
 * Jobs read at the head of each range. Owners take turns within a level (FairShare), so a band is
 * FIFO per owner, not as a whole; its oldest job is among the first two turns, which hold about
 * two jobs per owner waiting at that level.
 */
const HEAD_SAMPLE = 200;

/** KEYS: job hashes. The earliest `timestamp` among them (ms), or nil. */
const EARLIEST_ADDED = `
local oldest = nil
for _, key in ipairs(KEYS) do
  local t = tonumber(redis.call('HGET', key, 'timestamp'))
  if t and t > 0 and (oldest == nil or t < oldest) then oldest = t end
end
return oldest
`;

/**
 * What an operator asks of a queue beyond its counts, read from BullMQ's own ordered structures
 * (never from the records, which would mean a scan): the oldest waiting job, the latest failures.
 */
@Injectable()
export class QueueInsights {
  constructor(
    private readonly registry: QueueRegistry,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
  ) {}

  /**
   * When the oldest waiting job was added (ms), or null: the wait list is consumed from its right
   * end; the prioritized set is read at the head of each level.
   */
  async oldestWaitingAt(name: QueueName): Promise<number | null> {
    const queue = await this.registry.use(name);
    // The candidates first, then their hashes declared (all in the queue's slot on a Cluster).
    const heads = this.redis.multi().lindex(queue.keys.wait, -1);
    for (let i = 0; i < RANGES.length; i += 2)
      heads.zrangebyscore(
        queue.keys.prioritized,
        RANGES[i],
        `(${RANGES[i + 1]}`,
        'LIMIT',
        0,
        HEAD_SAMPLE,
      );
    const replies = (await heads.exec()) ?? [];
    throwFirstError(replies);
    const ids = replies.flatMap(([, value]) => (value ?? []) as string | string[]);
    if (!ids.length) return null;
    const oldest = (await this.redis.eval(
      EARLIEST_ADDED,
      ids.length,
      ...ids.map((id) => queue.toKey(id)),
    )) as number | null;
    return oldest ?? null;
  }

  /** The latest failed jobs across queues (not the cancelled ones), newest first. */
  async recentFailures(limit: number): Promise<JobStatus[]> {
    const perQueue = await Promise.all(
      this.registry.names().map(async (name) => {
        const queue = await this.registry.use(name);
        // Cancelled jobs sit in the same set; read a few more so they can be left out.
        const jobs = await queue.getJobs(['failed'], 0, limit * 3 - 1, false);
        return jobs
          .filter((job) => job && !isCancelledReason(job.failedReason))
          .map((job) => statusFromJob(name, job, 'failed'));
      }),
    );
    return perQueue
      .flat()
      .sort((a, b) => (b.timestamps.finished ?? '').localeCompare(a.timestamps.finished ?? ''))
      .slice(0, limit);
  }
}
