import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
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

/** KEYS: wait list, prioritized set; ARGV: job key prefix, sample size, then range bounds. */
const OLDEST_WAITING = `
local oldest = nil
local function consider(id)
  local t = tonumber(redis.call('HGET', ARGV[1] .. id, 'timestamp'))
  if t and t > 0 and (oldest == nil or t < oldest) then oldest = t end
end
local last = redis.call('LINDEX', KEYS[1], -1)
if last then consider(last) end
for i = 3, #ARGV, 2 do
  local ids = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[i], '(' .. ARGV[i + 1], 'LIMIT', 0, tonumber(ARGV[2]))
  for _, id in ipairs(ids) do consider(id) end
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
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  /**
   * When the oldest waiting job was added (ms), or null: the wait list is consumed from its right
   * end; the prioritized set is read at the head of each level (one Lua call per queue).
   */
  async oldestWaitingAt(name: QueueName): Promise<number | null> {
    const queue = await this.registry.use(name);
    const oldest = (await this.redis.eval(
      OLDEST_WAITING,
      2,
      queue.keys.wait,
      queue.keys.prioritized,
      queue.toKey(''),
      HEAD_SAMPLE,
      ...RANGES,
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
