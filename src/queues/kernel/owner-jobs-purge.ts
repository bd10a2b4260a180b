import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisClient } from '../../infra/redis/redis-client';
import type { AppConfig } from '../../config/app-config';
import { inBatches } from '../../common/in-batches';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { FailureGroups } from '../failures/failure-groups';
import { JobIndex } from '../records/job-index';
import { JobIntents } from '../records/job-intents';
import { JobRecordsService } from '../records/job-records.service';
import { FairShare } from './fair-share';
import { EVENTS_STREAM_LENGTH, jobEventsStream } from './job-events';
import type { OwnedJob } from './owner-jobs';
import { QueueRegistry } from './queue-registry';
import { bullEventOf, ownerEventsOf, purgeStream } from './stream-purge';

/** BullMQ's default cap of a queue's event stream. */
const BULL_EVENTS_LENGTH = 10_000;

/**
 * Removes an erased owner's jobs (already stopped, see OwnerJobs.stopAll) from everywhere the
 * queue system keeps them: BullMQ (the job, its logs, its events), the failure groups, the Redis
 * job indexes, their fair-share turns, the job-event stream, and in MongoDB their records,
 * intents and pending checks — each by key or by `_id`.
 */
@Injectable()
export class OwnerJobsPurge {
  private readonly prefix: string;
  private readonly logger = new Logger('OwnerJobsPurge');

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly registry: QueueRegistry,
    private readonly index: JobIndex,
    private readonly intents: JobIntents,
    private readonly records: JobRecordsService,
    private readonly failures: FailureGroups,
    private readonly fairShare: FairShare,
    config: ConfigService<AppConfig, true>,
  ) {
    this.prefix = config.get('redisKeys', { infer: true }).base;
  }

  async purge(ownerId: string, jobs: OwnedJob[], contentIds: string[]): Promise<void> {
    const ids = jobs.map((job) => job.id);
    await inBatches(jobs, (job) => this.removeFromQueue(job));
    await inBatches(
      jobs.filter((job) => job.state === 'failed' && job.failedReason),
      (job) =>
        this.failures.forget({
          id: job.id,
          queue: job.queue,
          name: job.name,
          reason: job.failedReason!,
        }),
    );
    await this.index.forgetOwner(ownerId, jobs, contentIds, this.registry.names());
    await this.fairShare.forget(ownerId);
    await this.records.delete(ids);
    await this.intents.delete(ids);
    await this.records.checked(ids);
    const jobIds = new Set(ids);
    await purgeStream(
      this.redis,
      jobEventsStream(this.prefix),
      ownerEventsOf(ownerId, jobIds),
      EVENTS_STREAM_LENGTH,
    );
    for (const queue of this.registry.names()) {
      const events = (await this.registry.use(queue)).toKey('events');
      await purgeStream(this.redis, events, bullEventOf(jobIds), BULL_EVENTS_LENGTH);
    }
  }

  private async removeFromQueue(job: OwnedJob): Promise<void> {
    if (!this.registry.has(job.queue)) return;
    const queue = await this.registry.use(job.queue);
    const removed = await queue.remove(job.id);
    // 0: not in Redis any more (removed on cancel, or past its retention), or still locked.
    if (!removed && (await queue.getJob(job.id)))
      this.logger.warn(`job ${job.id} of an erased owner could not be removed (still locked)`);
  }
}
