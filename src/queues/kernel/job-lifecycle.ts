import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config';
import type { Job, JobProgress } from 'bullmq';
import { Metrics } from '../../infra/metrics/metrics';
import {
  explainFailure,
  isCancelledReason,
  isExpiredReason,
  JobCancelledError,
  JobExpiredError,
  JobTimeoutError,
  OwnerErasedError,
} from '../contracts/job-errors';
import type { QueueName } from '../contracts/queue-names';
import { JobIndex } from '../records/job-index';
import { SYSTEM_OWNER } from '../records/job-record.schema';
import { ownerOf } from '../contracts/owner';
import { JobEnding } from './job-ending';
import { jobEvent, JobEventsPublisher } from './job-events';
import { jobLine, jobLogFields } from './job-log';
import { throttled } from './throttled-log';

/** What the lifecycle needs of a processor: its queue's name (the end hook is found by it). */
interface WorkerOf {
  readonly queueName: QueueName;
}

/**
 * A worker's events (handed over by each processor's `@OnWorkerEvent` methods, in the worker
 * process, after BullMQ has committed each state change) → realtime events, worker metrics and
 * log lines; a job's end goes to JobEnding. While a job lives, Redis is its truth (views read it
 * there): active and progress cost MongoDB nothing.
 */
@Injectable()
export class JobLifecycle {
  private readonly workers = new Map<QueueName, WorkerState>();
  /** Debug lines are built only when they will be written (every job's active event has one). */
  private readonly debugOn: boolean;

  constructor(
    private readonly ending: JobEnding,
    private readonly events: JobEventsPublisher,
    private readonly index: JobIndex,
    private readonly metrics: Metrics,
    config: ConfigService<AppConfig, true>,
  ) {
    this.debugOn = ['debug', 'verbose'].includes(config.get('logLevel', { infer: true }));
  }

  active(queue: QueueName, job: Job): void {
    const waited = seconds(job.timestamp + (job.delay ?? 0), job.processedOn ?? Date.now());
    if (waited !== undefined) this.metrics.wait.observe({ queue, name: job.name }, waited);
    const { running } = this.of(queue);
    running.add(job.id!);
    this.metrics.activeJobs.set({ queue }, running.size);
    this.events.publish(jobEvent('job:active', queue, job, { state: 'active' }));
    if (this.debugOn) this.logger(queue).debug(jobLine('job active', jobLogFields(queue, job)));
  }

  progress(queue: QueueName, job: Job, progress: JobProgress): void {
    this.events.publish(jobEvent('job:progress', queue, job, { state: 'active', progress }));
    if (this.debugOn)
      this.logger(queue).debug({ ...jobLine('job progress', jobLogFields(queue, job)), progress });
  }

  completed({ queueName: queue }: WorkerOf, job: Job, result: unknown): void {
    this.stopped(queue, job);
    this.timed(queue, job);
    this.ending.byWorker(queue, job, { state: 'completed', result }, ranMs(job));
    this.logger(queue).log(jobLine('job completed', jobLogFields(queue, job, job.attemptsMade)));
  }

  failed({ queueName: queue }: WorkerOf, job: Job | undefined, error: Error): void {
    const { logger, failedLater } = this.of(queue);
    if (!job) return void logger.error(`a job failed before it was read: ${error.message}`);
    this.stopped(queue, job);
    if (error instanceof OwnerErasedError) {
      // A job of an erased owner that slipped past the erase: it leaves nothing, not even
      // itself in the failed set (no record, event, failure group or after-finish step).
      void this.index
        .finished({ id: job.id!, queue }, ownerOf((job.data ?? {}) as object) ?? SYSTEM_OWNER)
        .catch(failedLater);
      void job.remove().catch(failedLater);
      return;
    }
    if (error instanceof JobTimeoutError) this.metrics.timedOut.inc({ queue });
    const reason = explainFailure(error.message);
    const fields = jobLogFields(queue, job, job.attemptsMade);
    // BullMQ sets finishedOn only when the job has failed for good (no retry left, or unrecoverable).
    if (typeof job.finishedOn !== 'number') {
      const state = (job.delay ?? 0) > 0 ? 'delayed' : 'waiting';
      this.metrics.jobEnded(queue, job.name, 'retried');
      this.events.publish(jobEvent('job:retrying', queue, job, { state, failedReason: reason }));
      logger.warn({ ...jobLine('job attempt failed, will retry', fields), reason });
      return;
    }
    const cancelled = error instanceof JobCancelledError || isCancelledReason(reason);
    // Not run at all: no run time to count.
    const expired = error instanceof JobExpiredError || isExpiredReason(reason);
    const state = cancelled ? 'cancelled' : expired ? 'expired' : 'failed';
    this.timed(queue, job);
    this.ending.byWorker(
      queue,
      job,
      { state, reason },
      cancelled || expired ? undefined : ranMs(job),
    );
    const line = { ...jobLine(`job ${state}`, fields), reason };
    if (cancelled) logger.log(line);
    else logger.warn(line);
  }

  stalled(queue: QueueName, jobId: string): void {
    this.logger(queue).warn(
      `job ${jobId} stalled (its worker stopped answering); it will run again`,
    );
  }

  error(queue: QueueName, error: Error): void {
    this.of(queue).workerError(error);
  }

  private stopped(queue: QueueName, job: Job): void {
    const { running } = this.of(queue);
    if (running.delete(job.id!)) this.metrics.activeJobs.set({ queue }, running.size);
  }

  private timed(queue: QueueName, job: Job): void {
    const took = seconds(job.processedOn, job.finishedOn ?? Date.now());
    if (took !== undefined) this.metrics.processing.observe({ queue, name: job.name }, took);
  }

  private logger(queue: QueueName): Logger {
    return this.of(queue).logger;
  }

  private of(queue: QueueName): WorkerState {
    let state = this.workers.get(queue);
    if (!state) {
      const logger = new Logger(`Worker:${queue}`);
      state = {
        logger,
        running: new Set(),
        workerError: throttled(logger, 'worker error'),
        failedLater: throttled(logger, 'job of an erased owner'),
      };
      this.workers.set(queue, state);
    }
    return state;
  }
}

/** Per queue, in this process. */
interface WorkerState {
  logger: Logger;
  /** Jobs its worker runs now (a job failed by the stall check elsewhere is not here). */
  running: Set<string>;
  workerError: (error: Error) => void;
  failedLater: (error: Error) => void;
}

function seconds(from?: number, to?: number): number | undefined {
  return from && to && to >= from ? (to - from) / 1000 : undefined;
}

/** How long the run took, for the queue's start estimates. */
function ranMs(job: Job): number | undefined {
  if (!job.processedOn) return undefined;
  const ran = (job.finishedOn ?? Date.now()) - job.processedOn;
  return ran >= 0 ? ran : undefined;
}
