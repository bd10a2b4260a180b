import { Metrics } from '../../infra/metrics/metrics';
import { upsertRacing } from '../../infra/mongo/duplicate-key';
import { inBatches } from '../../common/in-batches';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type { Job } from 'bullmq';
import type { Model, mongo } from 'mongoose';
import type { AppConfig } from '../../config/app-config';
import type { QueueName } from '../contracts/queue-names';
import { IndexedJob, JobIndex } from './job-index';
import { FINISHED_STATES, JobRecord } from './job-record.schema';
import { ErasedOwners } from './erased-owners';
import { FinishedRecords } from './finished-records';
import { FinalRecord, RecordWriteBuffer } from './record-write-buffer';
import { finalRecordOf, finishFieldsOf, type FinishedState } from './final-record';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How long after its record's write a job stays in the reconciler's set (see the constructor). */
const CLOSE_AFTER_MS = 10_000;
/** The keyed document listing records whose Redis side must be checked (see toCheck()). */
const CHECKS = { collection: 'job_record_checks', id: 'pending' } as const;

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
> &
  Partial<Pick<JobRecord, 'timeoutMs' | 'deadline'>>;

/**
 * The MongoDB history of every job: one document per job, written once, whole, when the job ends
 * (while it lives, Redis holds it and JobIndex lists it). Every read and write is by `_id`:
 * FerretDB v1 pushes only `{_id: value}` down to SQLite and scans for anything else.
 */
@Injectable()
export class JobRecordsService implements OnApplicationShutdown {
  private readonly buffer: RecordWriteBuffer;
  private readonly closer: NodeJS.Timeout;
  private toClose: { ref: IndexedJob; at: number }[] = [];
  private lastOutageAt = 0;
  private readonly retentionMs: number;

  constructor(
    @InjectModel(JobRecord.name) private readonly model: Model<JobRecord>,
    private readonly index: JobIndex,
    config: ConfigService<AppConfig, true>,
    metrics: Metrics,
    private readonly erased: ErasedOwners,
    private readonly copies: FinishedRecords,
  ) {
    this.buffer = new RecordWriteBuffer(model, 50, {
      onDurable: (written) => this.settled(written),
      observeFlush: (seconds) => metrics.recordFlush.observe(seconds),
      keep: (records) => erased.keep(records, (r) => r.ownerId),
      // A retried job's new end replaced its record: copies of the old one go.
      onReplaced: (ids) => copies.changed(ids),
    });
    metrics.gaugeOf(
      'click_record_backlog',
      'Final job records waiting to be written to MongoDB in this process',
      () => this.buffer.size,
    );
    // FerretDB killed mid-write has acknowledged inserts it then did not keep (found by the
    // chaos suite). So a record's job leaves the reconciler's set only a while after its write,
    // and only if MongoDB did not go away in between; otherwise the reconciler reads it back.
    model.db.on('disconnected', () => (this.lastOutageAt = Date.now()));
    this.closer = setInterval(() => void this.closeSettled(), CLOSE_AFTER_MS / 2);
    this.closer.unref();
    this.retentionMs = config.get('jobs', { infer: true }).recordRetentionDays * DAY_MS;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.buffer.close();
    clearInterval(this.closer);
  }

  /** Records just written: listed and off the quota now, off the reconciler's set later. */
  private async settled(written: FinalRecord[]): Promise<void> {
    await this.index.recorded(written.map(indexedOf), { closeChecks: false });
    const at = Date.now();
    for (const record of written) this.toClose.push({ ref: indexedOf(record), at });
  }

  private async closeSettled(): Promise<void> {
    const cutoff = Date.now() - CLOSE_AFTER_MS;
    const ready = this.toClose.filter((c) => c.at <= cutoff);
    if (!ready.length) return;
    this.toClose = this.toClose.filter((c) => c.at > cutoff);
    // An outage noticed since (or just before) the write: leave them for the reconciler to check.
    const sure = ready.filter((c) => this.lastOutageAt < c.at - CLOSE_AFTER_MS);
    await this.index.closeChecks(sure.map((c) => c.ref)).catch(() => undefined);
  }

  /**
   * A record for a job that is not in Redis yet (Redis was away when it was owed, or a crash):
   * written unfinished and named in the checks document, so the reconciler queues its job.
   */
  async create(record: NewJobRecord): Promise<void> {
    // Written while Redis is away (the add's deferral): Redis cannot tell, and need not.
    if (await this.erased.isErased(record.ownerId).catch(() => false)) return;
    const now = new Date();
    await this.model.create({
      ...record,
      progress: 0,
      attemptsMade: 0,
      createdAt: now,
      updatedAt: now,
    });
    await this.toCheck(record._id);
  }

  findById(jobId: string): Promise<JobRecord | null> {
    return this.model.findById(jobId).lean<JobRecord>().exec();
  }

  /**
   * A direct change, for operations whose caller waits on the outcome. A record set back to an
   * unfinished state is named for the reconciler, which compares it with Redis.
   */
  async update(
    jobId: string,
    set: Partial<JobRecord>,
    unset: (keyof JobRecord)[] = [],
    { recheck = true } = {},
  ): Promise<void> {
    await this.buffer.flush();
    const update: Record<string, unknown> = { $set: { ...set, updatedAt: new Date() } };
    if (unset.length) update.$unset = Object.fromEntries(unset.map((k) => [k, '']));
    await this.model.updateOne({ _id: jobId }, update);
    await this.copies.changed([jobId]);
    if (recheck && set.state && !FINISHED_STATES.includes(set.state)) await this.toCheck(jobId);
  }

  /** Writes a finished job's record now (cancel, reconciler); replaces an older one. */
  async writeFinal(record: FinalRecord): Promise<void> {
    // A job of an erased owner (cancelled by the erase itself, or ending after it) leaves no record.
    if (await this.erased.isErased(record.ownerId)) return;
    // It may race the worker's own insert of the same record (an admin cancelling a job as it ends).
    await upsertRacing(() =>
      this.model.collection.replaceOne({ _id: record._id } as object, record, { upsert: true }),
    );
    await this.copies.changed([record._id]);
    await this.index.recorded([indexedOf(record)]);
  }

  /** Records whose Redis side the reconciler must check (deferred, or set back by hand). */
  async pendingChecks(): Promise<string[]> {
    const doc = await this.checks().findOne({ _id: CHECKS.id });
    return doc?.ids ?? [];
  }

  async checked(jobIds: string[]): Promise<void> {
    if (jobIds.length)
      await this.checks().updateOne({ _id: CHECKS.id }, { $pullAll: { ids: jobIds } });
  }

  private async toCheck(jobId: string): Promise<void> {
    // Concurrent updates (a bulk retry) may race to create the one list document.
    await upsertRacing(() =>
      this.checks().updateOne({ _id: CHECKS.id }, { $addToSet: { ids: jobId } }, { upsert: true }),
    );
  }

  private checks() {
    return this.model.db.collection<{ _id: string; ids: string[] }>(
      CHECKS.collection,
    ) as unknown as mongo.Collection<{ _id: string; ids: string[] }>;
  }

  /**
   * Deletes records whose retention has passed, and their index entries; returns how many. The
   * nightly task's one scan: no request or per-minute task asks MongoDB by anything but `_id`.
   */
  async prune(now = new Date()): Promise<number> {
    const expired = await this.model
      .find({ purgeAfter: { $lt: now } }, { _id: 1, queue: 1, ownerId: 1, contentId: 1 })
      .lean<Pick<JobRecord, '_id' | 'queue' | 'ownerId' | 'contentId'>[]>()
      .exec();
    let deleted = 0;
    for (let i = 0; i < expired.length; i += 50) {
      const chunk = expired.slice(i, i + 50);
      const collection = this.model.collection as unknown as mongo.Collection<{ _id: string }>;
      const result = await collection.bulkWrite(
        chunk.map((r) => ({ deleteOne: { filter: { _id: r._id } } })),
        { ordered: false },
      );
      deleted += result.deletedCount;
      await this.copies.changed(chunk.map((r) => r._id));
      for (const r of chunk)
        await this.index.forget({
          id: r._id,
          queue: r.queue,
          ownerId: r.ownerId,
          contentId: r.contentId,
        });
    }
    return deleted;
  }

  /** Deletes these jobs' records (an erase), one `_id` at a time; copies in every process go. */
  async delete(jobIds: string[]): Promise<void> {
    await inBatches(jobIds, (_id) => this.model.deleteOne({ _id }));
    await this.copies.changed(jobIds);
  }

  /** Which of these jobs have a record (one `_id` read each). */
  async recorded(jobIds: string[]): Promise<Set<string>> {
    const found = await Promise.all(jobIds.map((id) => this.model.exists({ _id: id })));
    return new Set(jobIds.filter((_, i) => found[i]));
  }

  flush(): Promise<void> {
    return this.buffer.flush();
  }

  /** Back-pressure for workers: see RecordWriteBuffer.waitForRoom. */
  waitForRoom(): Promise<void> {
    return this.buffer.waitForRoom();
  }

  /** A finished job's record, buffered: written once, with other jobs' records. */
  noteFinished(
    queue: QueueName,
    job: Job,
    state: FinishedState,
    outcome: { result?: unknown; reason?: string },
  ): void {
    this.buffer.add(this.finalRecord(queue, job, state, outcome));
  }

  /** The whole record of a job that ended, from the job itself (see final-record.ts). */
  finalRecord(
    queue: QueueName,
    job: Job,
    state: FinishedState,
    outcome: { result?: unknown; reason?: string },
    finishedAt = new Date(job.finishedOn ?? Date.now()),
  ): FinalRecord {
    return finalRecordOf(queue, job, state, outcome, finishedAt, this.retentionMs);
  }

  /** The fields every finished record gets: its end, and when it will be pruned. */
  finishFields(
    state: FinishedState,
    finishedAt: Date,
  ): Pick<JobRecord, 'state' | 'finishedAt' | 'purgeAfter'> {
    return finishFieldsOf(state, finishedAt, this.retentionMs);
  }
}

function indexedOf(record: FinalRecord): IndexedJob {
  return {
    id: record._id,
    queue: record.queue,
    ownerId: record.ownerId,
    contentId: record.contentId,
    createdAt: record.createdAt.getTime(),
  };
}
