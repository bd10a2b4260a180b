import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { Metrics } from '../../infra/metrics/metrics';
import type { FinishedOutcome } from '../contracts/job-context';
import { ownerOf } from '../contracts/owner';
import type { QueueName } from '../contracts/queue-names';
import { FailureGroups } from '../failures/failure-groups';
import { JobIndex } from '../records/job-index';
import type { JobRef } from '../records/job-ref';
import { SYSTEM_OWNER } from '../records/job-record.schema';
import { JobRecordsService } from '../records/job-records.service';
import type { FinalRecord } from '../records/record-write-buffer';
import { JobEndHooks } from './job-end-hooks';
import { jobEvent, JobEventsPublisher } from './job-events';
import type { JobStatus } from './job-status';
import { throttled } from './throttled-log';

/**
 * The one component that records a job's end — its final record, its index entries (no longer
 * open, run time), the realtime event, its failure group and its queue's end hook — whatever
 * ended it: a worker (`byWorker`), a cancel or a deadline before any worker took it (`endedBeforeRun`), or
 * the reconciler finding an end nobody recorded (`repaired`). Each entry point keeps the order
 * of writes its situation needs (see each); nothing else writes these facts of an end.
 */
@Injectable()
export class JobEnding {
  private readonly logger = new Logger('JobEnding');
  // Throttled: while Redis is away, every job's end would log the same line.
  private readonly indexFailed = throttled(this.logger, 'job index');
  private readonly groupingFailed = throttled(this.logger, 'failure groups');

  constructor(
    private readonly records: JobRecordsService,
    private readonly index: JobIndex,
    private readonly events: JobEventsPublisher,
    private readonly failures: FailureGroups,
    private readonly endHooks: JobEndHooks,
    private readonly metrics: Metrics,
  ) {}

  /**
   * In the worker process, after BullMQ committed the end. The record goes to the write-behind
   * buffer (the reconciler writes it should this process die first); the rest is not awaited, so
   * the worker takes its next job at once. `ranMs` times the queue's runs for start estimates
   * (undefined for a cancelled run).
   */
  byWorker(queue: QueueName, job: Job, outcome: FinishedOutcome, ranMs?: number): void {
    const { state } = outcome;
    const reason = outcome.state === 'completed' ? undefined : outcome.reason;
    this.metrics.jobEnded(queue, job.name, state);
    this.records.noteFinished(queue, job, state, { result: resultOf(outcome), reason });
    void this.index
      .finished({ id: job.id!, queue }, ownerOfJob(job), ranMs)
      .catch(this.indexFailed);
    if (outcome.state === 'failed') this.groupFailure(queue, job, outcome.reason);
    this.events.publish(endEvent(queue, job, outcome));
    void this.endHooks.ended(queue, (job.data ?? {}) as object, outcome);
  }

  /**
   * A waiting or delayed job cancelled, or past its start deadline, before any worker took it,
   * or one whose BullMQ job is gone: its record is durable before this returns, so the caller
   * may remove the job from Redis knowing nothing is lost.
   */
  async endedBeforeRun(
    status: JobStatus,
    state: 'cancelled' | 'expired',
    failedReason: string,
  ): Promise<void> {
    await this.records.writeFinal(finalFromStatus(status, state, failedReason, this.records));
    await this.index.finished(status, status.ownerId);
    this.events.publish({
      type: state === 'expired' ? 'job:expired' : 'job:cancelled',
      jobId: status.id,
      queue: status.queue,
      name: status.name,
      ownerId: status.ownerId,
      state,
      attemptsMade: status.attemptsMade,
      failedReason,
    });
    this.metrics.jobEnded(status.queue, status.name, state);
    await this.endHooks.ended(status.queue, status.data, { state, reason: failedReason });
  }

  /**
   * An active job seen cancelled in Redis by the API that asked: its record is written now, so
   * the caller reads a finished record at once (the worker's own write of it is the same record).
   */
  async cancelConfirmed(queue: QueueName, job: Job, reason: string): Promise<void> {
    await this.records.writeFinal(
      this.records.finalRecord(queue, job, 'cancelled', {
        reason: job.failedReason || `Cancelled: ${reason}`,
      }),
    );
  }

  /**
   * An end BullMQ holds that nobody recorded (its worker died, or a record fell behind). The
   * ending is announced first: writing the record closes the job's checks, and a crash between
   * the two must leave the job for the next pass, which announces it again (readers drop a
   * repeat). `written`: the record already says so (only the checks are left to close).
   */
  async repaired(ref: JobRef, job: Job, final: FinalRecord, written: boolean): Promise<void> {
    const outcome = outcomeOf(final, job);
    await this.index.finished(ref, ownerOfJob(job));
    await this.events.publishNow(endEvent(ref.queue, job, outcome));
    if (written) return this.index.closeChecks([ref]);
    // Its worker died before telling anyone: the failure groups hear of it here (idempotent).
    if (outcome.state === 'failed')
      await this.failures.noteFailed(failureOf(ref.queue, job, outcome.reason));
    await this.records.writeFinal(final);
    await this.endHooks.ended(ref.queue, (job.data ?? {}) as object, outcome);
  }

  private groupFailure(queue: QueueName, job: Job, reason: string): void {
    void this.failures.noteFailed(failureOf(queue, job, reason)).catch(this.groupingFailed);
  }
}

function ownerOfJob(job: Job): string {
  return ownerOf((job.data ?? {}) as object) ?? SYSTEM_OWNER;
}

function resultOf(outcome: FinishedOutcome): unknown {
  return outcome.state === 'completed' ? outcome.result : undefined;
}

function outcomeOf(final: FinalRecord, job: Job): FinishedOutcome {
  return final.state === 'completed'
    ? { state: 'completed', result: job.returnvalue as unknown }
    : {
        state: final.state as 'failed' | 'cancelled' | 'expired',
        reason: final.failedReason ?? '',
      };
}

function failureOf(queue: QueueName, job: Job, reason: string) {
  return { id: job.id!, queue, name: job.name, reason, failedAt: job.finishedOn ?? Date.now() };
}

function endEvent(queue: QueueName, job: Job, outcome: FinishedOutcome) {
  if (outcome.state === 'completed')
    return jobEvent('job:completed', queue, job, {
      state: 'completed',
      progress: 100,
      result: outcome.result,
    });
  const type =
    outcome.state === 'cancelled'
      ? 'job:cancelled'
      : outcome.state === 'expired'
        ? 'job:expired'
        : 'job:failed';
  return jobEvent(type, queue, job, { state: outcome.state, failedReason: outcome.reason });
}

/** The final record of a job ended before it ran, from what its status says. */
function finalFromStatus(
  status: JobStatus,
  state: 'cancelled' | 'expired',
  failedReason: string,
  records: JobRecordsService,
): FinalRecord {
  const record: FinalRecord = {
    _id: status.id,
    queue: status.queue,
    name: status.name,
    ownerId: status.ownerId,
    contentId: status.contentId,
    maxAttempts: status.maxAttempts,
    priority: status.priority,
    data: status.data,
    progress: status.progress,
    attemptsMade: status.attemptsMade,
    createdAt: new Date(status.timestamps.created),
    updatedAt: new Date(),
    failedReason,
    ...records.finishFields(state, new Date()),
  };
  if (status.timestamps.runAt) record.runAt = new Date(status.timestamps.runAt);
  if (status.timestamps.started) record.startedAt = new Date(status.timestamps.started);
  if (!record.contentId) delete record.contentId;
  return record;
}
