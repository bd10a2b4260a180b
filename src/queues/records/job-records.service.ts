import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type { Job, JobProgress } from 'bullmq';
import type { Model } from 'mongoose';
import type { AppConfig } from '../../config/app-config';
import { REDIS_RETENTION } from '../queue-catalogue';
import type { QueueName } from '../queue-names';
import { contentOf, ownerOf } from '../job-registry';
import { fromBullPriority } from '../job-priority';
import { JobRecord, JobState, SYSTEM_OWNER, UNFINISHED_STATES } from './job-record.schema';
import { RecordWriteBuffer } from './record-write-buffer';

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_RESULT_BYTES = 16 * 1024;

export type NewJobRecord = Pick<
  JobRecord,
  '_id' | 'queue' | 'name' | 'ownerId' | 'contentId' | 'maxAttempts' | 'priority' | 'data' | 'runAt'
>;

/** Keeps a finished job's result only when it is small; records are listed often. */
export function summarizeResult(value: unknown): unknown {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value) ?? 'null';
  return json.length <= MAX_RESULT_BYTES
    ? (JSON.parse(json) as unknown)
    : { truncated: true, bytes: json.length };
}

/**
 * The MongoDB history of every job. Producer-side writes (create, mark queued, cancel) go straight
 * to MongoDB; worker-event updates go through a merging write-behind buffer.
 */
@Injectable()
export class JobRecordsService implements OnApplicationShutdown {
  private readonly buffer: RecordWriteBuffer;
  private readonly retentionMs: number;

  constructor(
    @InjectModel(JobRecord.name) private readonly model: Model<JobRecord>,
    config: ConfigService<AppConfig, true>,
  ) {
    this.buffer = new RecordWriteBuffer(model, 50);
    this.retentionMs = config.get('jobs', { infer: true }).recordRetentionDays * DAY_MS;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.buffer.close();
  }

  /** First of the two writes: the job is accepted but may not be in Redis yet. */
  async createPending(record: NewJobRecord): Promise<void> {
    const now = new Date();
    await this.model.create({
      ...record,
      state: 'pending',
      progress: 0,
      attemptsMade: 0,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** Third write: Redis has the job. A worker event may already have moved the record on. */
  async markQueued(jobId: string, state: 'waiting' | 'delayed'): Promise<void> {
    const now = new Date();
    await this.model.updateOne(
      { _id: jobId, state: 'pending' },
      { $set: { state, updatedAt: now, checkedAt: now } },
    );
  }

  /** Undoes createPending when Redis refused the job, so no record names a job that was never queued. */
  async deletePending(jobId: string): Promise<void> {
    await this.model.deleteOne({ _id: jobId, state: 'pending' });
  }

  findById(jobId: string): Promise<JobRecord | null> {
    return this.model.findById(jobId).lean<JobRecord>().exec();
  }

  /** A direct (unbuffered) change, for operations whose caller waits on the outcome. */
  async update(
    jobId: string,
    set: Partial<JobRecord>,
    unset: (keyof JobRecord)[] = [],
  ): Promise<void> {
    await this.buffer.flush();
    const update: Record<string, unknown> = { $set: { ...set, updatedAt: new Date() } };
    if (unset.length) update.$unset = Object.fromEntries(unset.map((k) => [k, '']));
    await this.model.updateOne({ _id: jobId }, update);
  }

  /** Unfinished records nobody confirmed against Redis since `before` (oldest first). */
  findUnconfirmed(before: Date, limit: number): Promise<JobRecord[]> {
    return this.model
      .find({
        state: { $in: UNFINISHED_STATES },
        $or: [
          { checkedAt: { $lt: before } },
          { checkedAt: { $exists: false }, updatedAt: { $lt: before } },
        ],
      })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean<JobRecord[]>()
      .exec();
  }

  async markChecked(jobIds: string[]): Promise<void> {
    if (jobIds.length)
      await this.model.updateMany({ _id: { $in: jobIds } }, { $set: { checkedAt: new Date() } });
  }

  /** Deletes records whose retention has passed; returns how many. */
  async prune(now = new Date()): Promise<number> {
    const { deletedCount } = await this.model.deleteMany({ purgeAfter: { $lt: now } });
    return deletedCount;
  }

  flush(): Promise<void> {
    return this.buffer.flush();
  }

  // ---- worker events (buffered)

  noteActive(job: Job): void {
    const now = new Date();
    this.buffer.add(job.id!, {
      guard: 'unfinished',
      set: {
        state: 'active',
        startedAt: new Date(job.processedOn ?? now),
        attemptsMade: job.attemptsMade,
        updatedAt: now,
      },
    });
  }

  noteProgress(job: Job, progress: JobProgress): void {
    this.buffer.add(job.id!, { guard: 'unfinished', set: { progress, updatedAt: new Date() } });
  }

  /** A failed attempt that BullMQ will retry: back to waiting (or delayed for the backoff). */
  noteRetrying(job: Job, reason: string, state: Extract<JobState, 'waiting' | 'delayed'>): void {
    this.buffer.add(job.id!, {
      guard: 'unfinished',
      set: { state, failedReason: reason, attemptsMade: job.attemptsMade, updatedAt: new Date() },
    });
  }

  noteFinished(
    queue: QueueName,
    job: Job,
    state: Extract<JobState, 'completed' | 'failed' | 'cancelled'>,
    outcome: { result?: unknown; reason?: string },
  ): void {
    const finishedAt = new Date(job.finishedOn ?? Date.now());
    const redisRetention =
      state === 'completed' ? REDIS_RETENTION.completedMs : REDIS_RETENTION.failedMs;
    const set: Record<string, unknown> = {
      state,
      attemptsMade: job.attemptsMade,
      finishedAt,
      updatedAt: new Date(),
      purgeAfter: new Date(finishedAt.getTime() + redisRetention + this.retentionMs),
    };
    if (state === 'completed')
      Object.assign(set, { progress: 100, result: summarizeResult(outcome.result) });
    else set.failedReason = outcome.reason;
    this.buffer.add(job.id!, { guard: 'any', set, insert: this.recordFromJob(queue, job) });
  }

  /** A record for a job that reached Redis without one (added outside the kernel). */
  private recordFromJob(queue: QueueName, job: Job): Record<string, unknown> {
    const data = (job.data ?? {}) as Record<string, unknown>;
    const fields: Record<string, unknown> = {
      queue,
      name: job.name,
      ownerId: ownerOf(data) ?? SYSTEM_OWNER,
      contentId: contentOf(data),
      maxAttempts: job.opts.attempts ?? 1,
      priority: fromBullPriority(job.opts.priority),
      data,
      progress: 0,
      createdAt: new Date(job.timestamp),
    };
    return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  }
}
