import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobExpiredError } from '../contracts/job-errors';
import { JobEnding } from './job-ending';
import { deadlineOf } from './job-options';
import { JobKernel } from './job-kernel.service';
import { JobLookup } from './job-lookup';
import { QueueRegistry } from './queue-registry';
import { StartDeadlines, type TrackedDeadline } from './start-deadlines';

/** Jobs looked at per sweep; more wait for the next (the sweep runs every minute). */
const BATCH = 500;

export interface ExpiryReport {
  /** Entries past their deadline that were looked at. */
  due: number;
  /** Jobs still held (waiting, delayed, retrying, paused) that were ended `expired`. */
  expired: number;
}

/**
 * Ends `expired` the jobs still held past their start deadline — in a paused queue, behind a
 * backlog, deferred by a breaker or a rate limit, waiting for a retry — so their owners see it at
 * the deadline rather than whenever a worker would have taken them (a worker taking a job past its
 * deadline ends it so too: that stays the guarantee, this sweep is what makes it timely). Like a
 * cancel before the run: the record first, then the job leaves Redis; a job a worker took
 * meanwhile is left to it (its own check ends it the same way).
 */
@Injectable()
export class JobExpiry {
  private readonly logger = new Logger('JobExpiry');

  constructor(
    private readonly deadlines: StartDeadlines,
    private readonly registry: QueueRegistry,
    private readonly lookup: JobLookup,
    private readonly kernel: JobKernel,
    private readonly ending: JobEnding,
  ) {}

  async sweep(now = Date.now()): Promise<ExpiryReport> {
    const due = await this.deadlines.passed(now, BATCH);
    const report: ExpiryReport = { due: due.length, expired: 0 };
    const seen: TrackedDeadline[] = [];
    for (const entry of due) {
      if (await this.expireIfHeld(entry)) report.expired++;
      seen.push(entry);
    }
    await this.deadlines.drop(seen);
    if (report.expired)
      this.logger.warn(`${report.expired} job(s) not started by their deadline ended expired`);
    return report;
  }

  private async expireIfHeld({ queue, jobId }: TrackedDeadline): Promise<boolean> {
    // A queue this app no longer runs, a job gone (removed, or lost: its worker check remains).
    if (!this.registry.has(queue)) return false;
    const live = await this.lookup.live(queue, jobId);
    if (!live || (live.state !== 'waiting' && live.state !== 'delayed')) return false;
    // The job's own deadline decides (an admin's retry queues it again without one).
    const own = deadlineOf(live.job);
    if (own === undefined || own >= Date.now()) return false;
    const why = await this.whyHeld(queue, live.job, live.state);
    const status = await this.kernel.getStatus(queue, jobId);
    const reason = new JobExpiredError(new Date(own), why).message;
    await this.ending.endedBeforeRun(status, 'expired', reason);
    // Taken by a worker since (locked): that run ends it `expired` itself (same record).
    await live.job.remove().catch(() => undefined);
    return true;
  }

  private async whyHeld(queue: string, job: Job, state: 'waiting' | 'delayed'): Promise<string> {
    const bull = await this.registry.use(this.registry.resolve(queue));
    if (await bull.isPaused()) return `its queue ${queue} was paused`;
    if (state === 'delayed')
      return job.attemptsMade > 0
        ? `it was waiting for a retry after ${job.attemptsMade} failed attempt(s)`
        : `it was held back (a provider's open breaker or rate limit, or its own start time)`;
    return `it was still waiting in a backlog of ${queue}: no worker free to take it`;
  }
}
