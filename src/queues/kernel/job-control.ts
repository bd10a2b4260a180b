import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config';
import type { JobsConfig } from '../../config/queue-config';
import { JobIndex } from '../records/job-index';
import { JobRecordsService } from '../records/job-records.service';
import { FINISHED_STATES, JobRecord } from '../records/job-record.schema';
import type { QueueName } from '../contracts/queue-names';
import { CancelBus } from './cancel-bus';
import { isCancelledReason, isExpiredReason, JobStateConflictError } from '../contracts/job-errors';
import { JobEndHooks } from './job-end-hooks';
import { JobEnding } from './job-ending';
import { AcceptedJob, JobKernel } from './job-kernel.service';
import { JobLookup } from './job-lookup';
import { JobReconciler } from './job-reconciler.service';
import type { JobStatus } from './job-status';
import type { JobIntent } from '../records/job-intents';
import { QueueRegistry } from './queue-registry';

export type CancelOutcome = { state: 'cancelled' } | { state: 'active'; cancelRequested: true };

const CANCEL_WAIT_MS = 5000;

/** Cancelling and retrying jobs: one, or every failed job of a queue. */
@Injectable()
export class JobControl {
  private readonly jobs: JobsConfig;

  constructor(
    private readonly kernel: JobKernel,
    private readonly registry: QueueRegistry,
    private readonly records: JobRecordsService,
    private readonly index: JobIndex,
    private readonly lookup: JobLookup,
    private readonly cancelBus: CancelBus,
    private readonly ending: JobEnding,
    private readonly endHooks: JobEndHooks,
    private readonly reconciler: JobReconciler,
    config: ConfigService<AppConfig, true>,
  ) {
    this.jobs = config.get('jobs', { infer: true });
  }

  /**
   * Waiting or delayed: removed from Redis. Active: the worker process holding it is told over the
   * cancel bus; its AbortSignal fires and the job ends `cancelled` without retries. Finished: 409.
   */
  async cancel(
    queue: string,
    jobId: string,
    reason = 'cancelled on request',
  ): Promise<CancelOutcome> {
    const queueName = this.registry.resolve(queue);
    const status = await this.kernel.getStatus(queueName, jobId);
    if (FINISHED_STATES.includes(status.state))
      throw new JobStateConflictError(jobId, status.state, 'cancelled');
    const job = await (await this.registry.use(queueName)).getJob(jobId);
    if (!job) {
      // Only the record (its job not in Redis yet, or lost): cancel the record itself.
      await this.markCancelled(queueName, status, reason);
      return { state: 'cancelled' };
    }
    if (status.state !== 'active') {
      // The record first: if MongoDB refuses it, the job is still in Redis and nothing is lost.
      await this.markCancelled(queueName, status, reason);
      try {
        await job.remove();
        return { state: 'cancelled' };
      } catch {
        // It became active (locked) in the meantime: cancel it as an active job (its worker
        // writes its final record when it stops).
      }
    }
    return this.cancelActive(queueName, jobId, reason);
  }

  private async cancelActive(
    queue: QueueName,
    jobId: string,
    reason: string,
  ): Promise<CancelOutcome> {
    const deadline = Date.now() + CANCEL_WAIT_MS;
    let nextRequest = 0;
    while (Date.now() < deadline) {
      if (Date.now() >= nextRequest) {
        // Repeated: the worker may not have registered the job yet when the first message arrived.
        await this.cancelBus.request({ queue, jobId, reason });
        nextRequest = Date.now() + 500;
      }
      await new Promise((r) => setTimeout(r, 50));
      const live = await this.lookup.live(queue, jobId);
      if (!live || live.state === 'cancelled') {
        if (live) await this.ending.cancelConfirmed(queue, live.job, reason);
        return { state: 'cancelled' };
      }
      if (live.state === 'completed' || live.state === 'failed') {
        throw new JobStateConflictError(jobId, live.state, 'cancelled');
      }
    }
    return { state: 'active', cancelRequested: true };
  }

  private async markCancelled(queue: QueueName, status: JobStatus, reason: string): Promise<void> {
    await this.ending.endedBeforeRun({ ...status, queue }, 'cancelled', `Cancelled: ${reason}`);
  }

  /**
   * Failed, cancelled or expired jobs run again from their first attempt; others are a
   * conflict. An expired job's retry lifts its deadline (an admin decided it should run).
   */
  async retry(queue: string, jobId: string): Promise<AcceptedJob> {
    const queueName = this.registry.resolve(queue);
    const status = await this.kernel.getStatus(queueName, jobId);
    if (status.state !== 'failed' && status.state !== 'cancelled' && status.state !== 'expired') {
      throw new JobStateConflictError(jobId, status.state, 'retried');
    }
    // A cancelled delayed job (a scheduled post) whose time is still ahead runs at that time.
    const runAt = status.timestamps.runAt ? new Date(status.timestamps.runAt) : undefined;
    const stillAhead = runAt && runAt.getTime() > Date.now() ? runAt : undefined;
    const reset = {
      state: stillAhead ? ('delayed' as const) : ('waiting' as const),
      attemptsMade: 0,
      progress: 0,
    };
    const unset: (keyof JobRecord)[] = [
      'failedReason',
      'finishedAt',
      'purgeAfter',
      'cancelRequestedAt',
      'result',
    ];
    if (status.state === 'expired') unset.push('deadline');
    let job = await (await this.registry.use(queueName)).getJob(jobId);
    // This process's own end writes first: the record is what a job gone from Redis comes back from.
    await this.records.flush();
    const record = await this.records.findById(jobId);
    // Its BullMQ options carry the deadline: queued again from its record, without it.
    if (job && status.state === 'expired') {
      await job.remove();
      job = undefined;
    }
    // Counted and listed as unfinished again before it can run.
    await this.index.added(
      {
        id: jobId,
        queue: queueName,
        ownerId: status.ownerId,
        contentId: status.contentId,
        createdAt: Date.parse(status.timestamps.created),
      },
      Date.now() + this.jobs.reconcileGraceMs,
    );
    if (job) {
      await this.records.update(jobId, reset, unset);
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    } else {
      // Gone from Redis (removed on cancel, or past its 7 days): queued again from its record,
      // the way the reconciler queues a job Redis lost.
      await this.records.update(jobId, reset, unset);
      await this.reconciler.requeue({
        // No record yet (the worker that ended it, in another process, still holds its write):
        // what Redis said of the job is enough to queue it again.
        ...(record ?? intentOf(status)),
        ...reset,
        runAt: stillAhead,
        deadline: undefined,
      });
    }
    await this.endHooks.retried(queueName, status.data);
    return {
      jobId,
      queue: queueName,
      name: status.name,
      state: reset.state,
      priority: status.priority,
      runAt: stillAhead,
    };
  }

  /** Retries every failed job of a queue (not the cancelled or expired ones); returns how many. */
  async retryAllFailed(queue: string): Promise<number> {
    const queueName = this.registry.resolve(queue);
    const bullQueue = await this.registry.use(queueName);
    let retried = 0;
    let skipped = 0;
    // At most the jobs failed when asked: one that fails again at once is not picked up again.
    const limit = await bullQueue.getFailedCount();
    while (retried + skipped < limit) {
      const page = await bullQueue.getJobs(['failed'], skipped, skipped + 99, true);
      if (page.length === 0) break;
      for (const job of page) {
        if (!job || isCancelledReason(job.failedReason) || isExpiredReason(job.failedReason))
          skipped++;
        else {
          await this.retry(queueName, job.id!);
          retried++;
        }
      }
    }
    return retried;
  }
}

/** What a job is queued again from when its record is not written yet. */
function intentOf(status: JobStatus): JobIntent {
  return {
    _id: status.id,
    queue: status.queue,
    name: status.name,
    ownerId: status.ownerId,
    contentId: status.contentId,
    data: status.data,
    priority: status.priority,
    createdAt: new Date(status.timestamps.created),
  };
}
