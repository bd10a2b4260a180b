import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { RedisClient } from '../../infra/redis/redis-client';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import type { QueueName } from '../contracts/queue-names';
import type { JobRef } from '../records/job-ref';
import { JobRecord, JobState } from '../records/job-record.schema';
import { JobRecordsService } from '../records/job-records.service';
import { FinishedRecords } from '../records/finished-records';
import { QueueUnavailableError } from '../contracts/job-errors';
import { toJobState } from './job-state';
import { JobStatus, statusFromJob, statusFromRecord } from './job-status';
import { QueueRegistry } from './queue-registry';

export interface LiveJob {
  job: Job;
  state: JobState;
}

/** Where a job is: its queue, its live job in Redis, its record in MongoDB (either may be absent). */
export interface LocatedJob {
  queue: QueueName;
  live?: LiveJob;
  record: JobRecord | null;
}

/**
 * Finds jobs by id: the live job in Redis while BullMQ has it, the record after. Every read is a
 * Redis key or a MongoDB `_id` lookup.
 */
@Injectable()
export class JobLookup {
  constructor(
    private readonly registry: QueueRegistry,
    private readonly records: JobRecordsService,
    private readonly finished: FinishedRecords,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
  ) {}

  /** The job and its BullMQ state read together, or undefined when Redis does not have it. */
  async live(queue: QueueName, jobId: string): Promise<LiveJob | undefined> {
    try {
      return await this.read(queue, jobId);
    } catch (error) {
      throw error instanceof QueueUnavailableError ? error : new QueueUnavailableError(error);
    }
  }

  private async read(queue: QueueName, jobId: string): Promise<LiveJob | undefined> {
    // A queue this app no longer runs (its jobs are still listed): its records answer.
    if (!this.registry.has(queue)) return undefined;
    const bullQueue = await this.registry.use(queue);
    let job = await bullQueue.getJob(jobId);
    if (!job) return undefined;
    const bullState = await job.getState();
    // The job may have finished between the two reads: read it again so its fields match the state.
    if ((bullState === 'completed' || bullState === 'failed') && !job.finishedOn)
      job = await bullQueue.getJob(jobId);
    const state = job && toJobState(bullState, job.failedReason);
    return job && state ? { job, state } : undefined;
  }

  /** By id alone (ids are unique across queues): the record, or the queue whose Redis has it. */
  async locate(jobId: string): Promise<LocatedJob | undefined> {
    const [record, queue] = await Promise.all([
      this.records.findById(jobId),
      this.queueHolding(jobId),
    ]);
    const where = record?.queue ?? queue;
    if (!where) return undefined;
    const live = await this.live(where, jobId);
    return live || record ? { queue: where, live, record } : undefined;
  }

  /** A job's status from Redis while it is there, else from its record; undefined if neither. */
  async status(ref: JobRef, record?: JobRecord | null): Promise<JobStatus | undefined> {
    // A finished job Redis no longer holds, read before by this process: neither store is asked.
    const kept = record === undefined ? this.finished.get(ref.id) : undefined;
    if (kept) return kept.queue === ref.queue ? statusFromRecord(kept) : undefined;
    const mark = this.finished.mark();
    const live = await this.live(ref.queue, ref.id);
    if (live) return statusFromJob(ref.queue, live.job, live.state, record);
    const known = record === undefined ? await this.records.findById(ref.id) : record;
    if (known && record === undefined) this.finished.keep(known, mark);
    return known && known.queue === ref.queue ? statusFromRecord(known) : undefined;
  }

  private async queueHolding(jobId: string): Promise<QueueName | undefined> {
    const names = this.registry.names();
    const found = await Promise.all(
      names.map((queue) => this.redis.exists(this.registry.get(queue).toKey(jobId))),
    ).catch((error: unknown) => {
      throw new QueueUnavailableError(error);
    });
    return names[found.findIndex((n) => n > 0)];
  }
}
