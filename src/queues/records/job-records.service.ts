import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type { Job, JobProgress } from 'bullmq';
import type { FilterQuery, Model } from 'mongoose';
import type { AppConfig } from '../../config/app-config';
import { REDIS_RETENTION } from '../queue-catalogue';
import type { QueueName } from '../queue-names';
import { contentOf, ownerOf } from '../job-registry';
import { fromBullPriority } from '../job-priority';
import { JobRecord, JobState, SYSTEM_OWNER, UNFINISHED_STATES } from './job-record.schema';
import { RecordWriteBuffer } from './record-write-buffer';

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_RESULT_BYTES = 16 * 1024;

type FinishedState = Extract<JobState, 'completed' | 'failed' | 'cancelled'>;

export type NewJobRecord = Pick<
  JobRecord,
  | '_id'
  | 'queue'
  | 'name'
  | 'ownerId'
  | 'contentId'
  | 'state'
  | 'maxAttempts'
  | 'priority'
  | 'data'
  | 'runAt'
>;

/** Keeps a finished job's result only when it is small; records are listed often. */
export function summarizeResult(value: unknown): unknown {
  if (value === undefined) return undefined;
  const bytes = JSON.stringify(value)?.length ?? 0;
  return bytes <= MAX_RESULT_BYTES ? value : { truncated: true, bytes };
}

/**
 * The MongoDB history of every job. Producer-side writes (create, cancel, retry) go straight to
 * MongoDB; worker-event updates go through a merging write-behind buffer. Every update filters on
 * `_id` alone: FerretDB v1 pushes only `{_id: value}` down to SQLite and scans for anything else.
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

  /**
   * The first of the two writes: the record, in the state the job will have once it is in Redis.
   * Until the Redis add succeeds the record may name a job Redis does not have; the reconciler
   * queues such jobs (a crash in between), and JobKernel.add deletes the record if Redis refuses.
   */
  async create(record: NewJobRecord): Promise<void> {
    const now = new Date();
    await this.model.create({
      ...record,
      progress: 0,
      attemptsMade: 0,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** Undoes create() when Redis refused the job. */
  async delete(jobId: string): Promise<void> {
    await this.model.deleteOne({ _id: jobId });
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

  /**
   * A user's records, newest first, from `cursor` on (exclusive). Served by the
   * {ownerId, createdAt, _id} index on MongoDB; FerretDB v1 scans (it pushes down only _id).
   */
  /** The jobs of one content item in the order they were made: its pipeline's timeline. */
  listForContent(contentId: string, limit = 50): Promise<JobRecord[]> {
    return this.model
      .find({ contentId })
      .sort({ createdAt: 1, _id: 1 })
      .limit(limit)
      .lean<JobRecord[]>()
      .exec();
  }

  listForOwner(
    ownerId: string,
    filter: { queue?: string; state?: JobState },
    limit: number,
    after?: { createdAt: Date; id: string },
  ): Promise<JobRecord[]> {
    const query: FilterQuery<JobRecord> = { ownerId };
    if (filter.queue) query.queue = filter.queue as JobRecord['queue'];
    if (filter.state) query.state = filter.state;
    if (after)
      query.$or = [
        { createdAt: { $lt: after.createdAt } },
        { createdAt: after.createdAt, _id: { $lt: after.id } },
      ];
    return this.model
      .find(query)
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean<JobRecord[]>()
      .exec();
  }

  /** How many of a user's jobs are not finished, counting at most `upTo`. */
  countUnfinished(ownerId: string, upTo: number): Promise<number> {
    return this.model
      .countDocuments({ ownerId, state: { $in: UNFINISHED_STATES } })
      .limit(upTo)
      .exec();
  }

  oldestWaiting(queue: string): Promise<JobRecord | null> {
    return this.model
      .findOne({ queue: queue, state: 'waiting' })
      .sort({ createdAt: 1 })
      .lean<JobRecord>()
      .exec();
  }

  recentFailures(limit: number): Promise<JobRecord[]> {
    return this.model
      .find({ state: 'failed' })
      .sort({ finishedAt: -1 })
      .limit(limit)
      .lean<JobRecord[]>()
      .exec();
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

  /** Back-pressure for workers: see RecordWriteBuffer.waitForRoom. */
  waitForRoom(): Promise<void> {
    return this.buffer.waitForRoom();
  }

  // ---- worker events (buffered)

  noteActive(job: Job): void {
    const now = new Date();
    this.buffer.add(job.id!, {
      set: {
        state: 'active',
        startedAt: new Date(job.processedOn ?? now),
        attemptsMade: job.attemptsMade,
        updatedAt: now,
      },
    });
  }

  noteProgress(job: Job, progress: JobProgress): void {
    this.buffer.add(job.id!, { set: { progress, updatedAt: new Date() } });
  }

  /** A failed attempt that BullMQ will retry: back to waiting (or delayed for the backoff). */
  noteRetrying(job: Job, reason: string, state: Extract<JobState, 'waiting' | 'delayed'>): void {
    this.buffer.add(job.id!, {
      set: { state, failedReason: reason, attemptsMade: job.attemptsMade, updatedAt: new Date() },
    });
  }

  noteFinished(
    queue: QueueName,
    job: Job,
    state: FinishedState,
    outcome: { result?: unknown; reason?: string },
  ): void {
    const set: Record<string, unknown> = {
      ...this.finishFields(state, new Date(job.finishedOn ?? Date.now())),
      attemptsMade: job.attemptsMade,
      updatedAt: new Date(),
    };
    if (state === 'completed')
      Object.assign(set, { progress: 100, result: summarizeResult(outcome.result) });
    else set.failedReason = outcome.reason;
    this.buffer.add(job.id!, { set, insert: this.recordFromJob(queue, job) });
  }

  /** The fields every finished record gets: its end, and when it will be pruned. */
  finishFields(
    state: FinishedState,
    finishedAt: Date,
  ): Pick<JobRecord, 'state' | 'finishedAt' | 'purgeAfter'> {
    // Kept for the retention after Redis has dropped the job (24 h completed, 7 days failed).
    const redisRetention =
      state === 'completed' ? REDIS_RETENTION.completedMs : REDIS_RETENTION.failedMs;
    return {
      state,
      finishedAt,
      purgeAfter: new Date(finishedAt.getTime() + redisRetention + this.retentionMs),
    };
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
