import { inBatches } from '../../common/in-batches';
import { GroupInsert } from '../../infra/mongo/group-insert';
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

@Injectable()
export class JobIntents {
  /** Adds arriving together share one insert (group commit); a retried add's intent counts. */
  private readonly inserts = new GroupInsert<JobIntent>(() => this.intents(), {
    windowMs: 2,
    max: 200,
    duplicateIsDone: true,
  });

  constructor(@InjectConnection() private readonly connection: Connection) {}

  /** Resolves once the intent is in MongoDB; one that is there already (same id) counts. */
  write(intent: JobIntent): Promise<void> {
    return this.inserts.insert(intent);
  }

  findById(jobId: string): Promise<JobIntent | null> {
    return this.intents().findOne({ _id: jobId });
  }

  /** Deletes these jobs' intents, one `_id` delete each, 50 at a time (an erase, a refused add). */
  async delete(jobIds: string[]): Promise<void> {
    await inBatches(jobIds, (_id) => this.intents().deleteOne({ _id }));
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

  private intents() {
    return this.connection.collection<JobIntent>(COLLECTION);
  }
}
