import { Injectable, Logger } from '@nestjs/common';
import { inBatches } from '../../common/in-batches';
import {
  JobNotFoundError,
  JobStateConflictError,
  UnknownQueueError,
} from '../contracts/job-errors';
import { ErasedOwners } from '../records/erased-owners';
import { IndexCursor, JobIndex } from '../records/job-index';
import { JobIntents } from '../records/job-intents';
import type { JobRef } from '../records/job-ref';
import { UNFINISHED_STATES } from '../records/job-record.schema';
import { JobControl } from './job-control';
import { cursorOf, redisRead } from './job-history';
import { JobLookup } from './job-lookup';
import type { JobStatus } from './job-status';

/** What the erase needs of each of the owner's jobs (a job known only by its intent has no state). */
export type OwnedJob = Pick<JobStatus, 'id' | 'queue' | 'name' | 'data'> &
  Partial<Pick<JobStatus, 'state' | 'contentId' | 'failedReason'>>;

/** How long the erase waits for the owner's active jobs to stop, after asking them to. */
const STOP_WAIT_MS = 30_000;

/**
 * One owner's jobs, all of them: listed for their export, and stopped for their erase. Found
 * through the owner's listing in JobIndex, each read by key or `_id` (never a scan).
 */
@Injectable()
export class OwnerJobs {
  private readonly logger = new Logger('OwnerJobs');

  constructor(
    private readonly index: JobIndex,
    private readonly lookup: JobLookup,
    private readonly intents: JobIntents,
    private readonly control: JobControl,
    private readonly erased: ErasedOwners,
  ) {}

  /** The owner's jobs newest first, a page at a time: live from Redis while there, else the record. */
  async *pages(ownerId: string, size = 50): AsyncGenerator<JobStatus[]> {
    let after: IndexCursor | undefined;
    for (;;) {
      // Redis away: a 503 ("queue unavailable"), not a 500.
      const entries = await redisRead(this.index.page(ownerId, undefined, after, size));
      if (!entries.length) return;
      const statuses = await redisRead(Promise.all(entries.map((e) => this.lookup.status(e.ref))));
      yield statuses.filter((s): s is JobStatus => s?.ownerId === ownerId);
      if (entries.length < size) return;
      after = cursorOf(entries[entries.length - 1]);
    }
  }

  /**
   * Marks the owner erased first (from then on nothing of theirs is written, added or run, in any
   * process), then stops their live jobs through the cancel path — a running one in whatever
   * worker process holds it — and waits for them to end. Returns every job of theirs.
   */
  async stopAll(ownerId: string): Promise<OwnedJob[]> {
    await this.erased.mark(ownerId);
    const refs = await this.index.ownerRefs(ownerId);
    const jobs = await inBatches(refs, (ref) => this.owned(ref));
    const live = jobs.filter((job) => !job.state || UNFINISHED_STATES.includes(job.state));
    await inBatches(live, (job) => this.stop(job), 20);
    return jobs;
  }

  private async owned(ref: JobRef): Promise<OwnedJob> {
    const status = await this.lookup.status(ref);
    if (status) return status;
    // Accepted but neither in Redis nor recorded (a crash in between): its intent says the rest.
    const intent = await this.intents.findById(ref.id);
    return {
      id: ref.id,
      queue: ref.queue,
      name: intent?.name ?? '',
      data: intent?.data ?? {},
      contentId: intent?.contentId,
    };
  }

  private async stop(job: OwnedJob): Promise<void> {
    try {
      const outcome = await this.control.cancel(job.queue, job.id, 'its owner was erased');
      if (outcome.state === 'active') await this.untilStopped(job);
    } catch (error) {
      // Ended, or gone, meanwhile: nothing to stop.
      const over = [JobStateConflictError, JobNotFoundError, UnknownQueueError];
      if (!over.some((kind) => error instanceof kind)) throw error;
    }
  }

  private async untilStopped(job: OwnedJob): Promise<void> {
    const deadline = Date.now() + STOP_WAIT_MS;
    while (Date.now() < deadline) {
      const live = await this.lookup.live(job.queue, job.id);
      if (live?.state !== 'active') return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Its worker does not answer: whatever it still writes is dropped (ErasedOwners).
    this.logger.warn(`job ${job.id} still active ${STOP_WAIT_MS} ms after its owner was erased`);
  }
}
