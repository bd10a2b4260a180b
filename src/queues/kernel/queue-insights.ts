import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import type { QueueName } from '../contracts/queue-names';
import { isCancelledReason } from '../contracts/job-errors';
import { JobStatus, statusFromJob } from './job-status';
import { QueueRegistry } from './queue-registry';

/** BullMQ's prioritized set scores a job `priority * 2^32 + counter`: one band per priority. */
const BAND = 2 ** 32;
const BULL_PRIORITIES = [1, 2, 3, 4];

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
   * When the oldest waiting job was added (ms), or null. The wait list is consumed from its right
   * end, and each priority band of the prioritized set is FIFO: the oldest is one of five heads.
   */
  async oldestWaitingAt(name: QueueName): Promise<number | null> {
    const queue = await this.registry.use(name);
    const heads = await Promise.all([
      this.redis.lindex(queue.keys.wait, -1),
      ...BULL_PRIORITIES.map((p) =>
        this.redis
          .zrangebyscore(queue.keys.prioritized, p * BAND, (p + 1) * BAND - 1, 'LIMIT', 0, 1)
          .then((ids) => ids[0] ?? null),
      ),
    ]);
    const ids = heads.filter((id): id is string => !!id);
    const times = await Promise.all(ids.map((id) => this.redis.hget(queue.toKey(id), 'timestamp')));
    const valid = times.map(Number).filter((t) => t > 0);
    return valid.length ? Math.min(...valid) : null;
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
