import { DUPLICATE_KEY } from '../../infra/mongo/duplicate-key';
import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import type { JobRecord } from './job-record.schema';

/**
 * What a job needs to be queued again: written when it is accepted, before its Redis add, so a
 * Redis that lost everything (restarted empty, restored from an old snapshot) cannot lose a job
 * the API answered 202 for. Insert-only (an insert is cheap on FerretDB; an update is not); the
 * final record, written when the job ends, supersedes it.
 */
export type JobIntent = Pick<
  JobRecord,
  '_id' | 'queue' | 'name' | 'ownerId' | 'contentId' | 'data' | 'priority' | 'runAt' | 'createdAt'
> &
  Partial<Pick<JobRecord, 'timeoutMs' | 'deadline'>>;

const COLLECTION = 'job_intents';
/** Adds arriving within this window share one insert (group commit). */
const BATCH_MS = 2;
const BATCH_MAX = 200;

interface Pending {
  intent: JobIntent;
  done: (error?: Error) => void;
}

@Injectable()
export class JobIntents {
  private pending: Pending[] = [];
  private timer?: NodeJS.Timeout;

  constructor(@InjectConnection() private readonly connection: Connection) {}

  /** Resolves once the intent is in MongoDB; one that is there already (same id) counts. */
  write(intent: JobIntent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ intent, done: (error) => (error ? reject(error) : resolve()) });
      if (this.pending.length >= BATCH_MAX) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
    });
  }

  findById(jobId: string): Promise<JobIntent | null> {
    return this.intents().findOne({ _id: jobId });
  }

  /** Deletes these jobs' intents, one `_id` delete each (their owner was erased). */
  async delete(jobIds: string[]): Promise<void> {
    await Promise.all(jobIds.map((_id) => this.intents().deleteOne({ _id })));
  }

  /** Every intent, for the index rebuild (the one full read, in the background). */
  all() {
    return this.intents()
      .find({}, { projection: { _id: 1, queue: 1, ownerId: 1, contentId: 1, createdAt: 1 } })
      .batchSize(1000);
  }

  /** Deletes intents whose job has its final record (nightly; scans the intents once). */
  async prune(recorded: (ids: string[]) => Promise<Set<string>>, olderThan: Date): Promise<number> {
    let deleted = 0;
    let ids: string[] = [];
    const drop = async () => {
      const done = await recorded(ids);
      const gone = ids.filter((id) => done.has(id));
      if (gone.length)
        deleted += (
          await this.intents().bulkWrite(
            gone.map((id) => ({ deleteOne: { filter: { _id: id } } })),
            { ordered: false },
          )
        ).deletedCount;
      ids = [];
    };
    for await (const intent of this.intents().find(
      { createdAt: { $lt: olderThan } },
      { projection: { _id: 1 } },
    )) {
      ids.push(intent._id);
      if (ids.length === 50) await drop();
    }
    if (ids.length) await drop();
    return deleted;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0);
    if (!batch.length) return;
    this.intents()
      .insertMany(
        batch.map((p) => p.intent),
        { ordered: false },
      )
      .then(
        () => batch.forEach((p) => p.done()),
        (error: Error & { writeErrors?: { index: number; code?: number }[] }) => {
          const refused = error.writeErrors && [error.writeErrors].flat();
          if (!refused) return batch.forEach((p) => p.done(error));
          const failed = new Set(
            refused.filter((e) => e.code !== DUPLICATE_KEY).map((e) => e.index),
          );
          batch.forEach((p, i) => p.done(failed.has(i) ? error : undefined));
        },
      );
  }

  private intents() {
    return this.connection.collection<JobIntent>(COLLECTION);
  }
}
