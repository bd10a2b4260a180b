import { Inject, Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { RedisClient } from '../../infra/redis/redis-client';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { REDIS_RETENTION } from '../contracts/queue-catalogue';
import type { QueueName } from '../contracts/queue-names';
import type { JobState } from '../records/job-record.schema';
import { toJobState } from './job-state';
import { JobStatus, statusFromJob } from './job-status';
import { QueueRegistry } from './queue-registry';

export interface QueueCounts {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
  paused: boolean;
}

/** What admins do with a queue as a whole, straight on BullMQ: look, count, pause, clean. */
@Injectable()
export class QueueOperations {
  constructor(
    private readonly registry: QueueRegistry,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
  ) {}

  /**
   * A waiting job's place in line (1 = next), or undefined when it is not waiting. Jobs in the
   * plain wait list run before prioritised ones, so they count first.
   */
  async position(queue: QueueName, jobId: string): Promise<number | undefined> {
    const { keys } = await this.registry.use(queue);
    const [rank, waiting, index] = await Promise.all([
      this.redis.zrank(keys.prioritized, jobId),
      this.redis.llen(keys.wait),
      this.redis.lpos(keys.wait, jobId),
    ]);
    // The wait list is consumed from its right end.
    if (index !== null) return waiting - index;
    return rank === null ? undefined : waiting + rank + 1;
  }

  /** A page of a queue's jobs in one state, newest first. */
  async list(
    queue: string,
    state: Exclude<JobState, 'cancelled' | 'expired'>,
    start: number,
    count: number,
  ): Promise<JobStatus[]> {
    const queueName = this.registry.resolve(queue);
    const types =
      state === 'waiting'
        ? (['wait', 'prioritized', 'waiting-children'] as const)
        : ([state] as const);
    const jobs = await (
      await this.registry.use(queueName)
    ).getJobs([...types], start, start + count - 1, false);
    return jobs
      .filter((job): job is Job => !!job)
      .map((job) =>
        statusFromJob(
          queueName,
          job,
          toJobState(state === 'waiting' ? 'waiting' : state, job.failedReason)!,
          null,
        ),
      );
  }

  async pause(queue: string): Promise<void> {
    await (await this.registry.use(this.registry.resolve(queue))).pause();
  }

  async resume(queue: string): Promise<void> {
    await (await this.registry.use(this.registry.resolve(queue))).resume();
  }

  async workers(queue: string): Promise<number> {
    return (await this.registry.use(this.registry.resolve(queue))).getWorkersCount();
  }

  async counts(queue: string): Promise<QueueCounts> {
    const bullQueue = await this.registry.use(this.registry.resolve(queue));
    const [c, paused] = await Promise.all([
      bullQueue.getJobCounts(
        'wait',
        'prioritized',
        'waiting-children',
        'active',
        'completed',
        'failed',
        'delayed',
      ),
      bullQueue.isPaused(),
    ]);
    return {
      waiting: (c.wait ?? 0) + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0),
      active: c.active ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
      delayed: c.delayed ?? 0,
      paused,
    };
  }

  async allCounts(): Promise<Record<QueueName, QueueCounts>> {
    const entries = await Promise.all(
      this.registry.names().map(async (q) => [q, await this.counts(q)] as const),
    );
    return Object.fromEntries(entries);
  }

  /** Removes completed jobs older than 24 h and failed ones older than 7 days from every queue. */
  /** Removes finished jobs past their retention from every queue, in batches (one Lua call each). */
  async clean(): Promise<Record<QueueName, { completed: number; failed: number }>> {
    const entries = await Promise.all(
      this.registry.names().map(async (name) => {
        const queue = await this.registry.use(name);
        const completed = await cleanInBatches(queue, REDIS_RETENTION.completedMs, 'completed');
        const failed = await cleanInBatches(queue, REDIS_RETENTION.failedMs, 'failed');
        return [name, { completed, failed }] as const;
      }),
    );
    return Object.fromEntries(entries);
  }
}

const CLEAN_BATCH = 1000;

/** One unbounded clean would hold Redis for as long as it takes; batches let other commands in. */
async function cleanInBatches(
  queue: Queue,
  graceMs: number,
  type: 'completed' | 'failed',
): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await queue.clean(graceMs, CLEAN_BATCH, type);
    total += removed.length;
    if (removed.length < CLEAN_BATCH) return total;
  }
}
