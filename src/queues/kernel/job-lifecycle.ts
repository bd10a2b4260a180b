import { Injectable, Logger } from '@nestjs/common';
import { Metrics } from '../../infra/metrics/metrics';
import type { Job, Worker } from 'bullmq';
import { ownerOf } from '../contracts/owner';
import { JobIndex } from '../records/job-index';
import { JobRecordsService } from '../records/job-records.service';
import { SYSTEM_OWNER } from '../records/job-record.schema';
import {
  explainFailure,
  isCancelledReason,
  JobCancelledError,
  OwnerErasedError,
} from '../contracts/job-errors';
import { JobEvent, jobEvent, JobEventsPublisher } from './job-events';
import type { FinishedOutcome } from '../contracts/job-context';
import type { KernelProcessor } from './kernel-processor';
import { jobLine, jobLogFields } from './job-log';
import { FailureGroups } from '../failures/failure-groups';
import { throttled } from './queue-registry';

/**
 * Worker events → job record, realtime event, log line. Attached to each worker right after it is
 * created; it runs in the worker process, after BullMQ has committed each state change.
 */
@Injectable()
export class JobLifecycle {
  constructor(
    private readonly records: JobRecordsService,
    private readonly events: JobEventsPublisher,
    private readonly index: JobIndex,
    private readonly metrics: Metrics,
    private readonly failures: FailureGroups,
  ) {}

  attach(worker: Worker, processor: KernelProcessor): void {
    const queue = processor.queueName;
    const logger = new Logger(`Worker:${queue}`);
    const event = (type: JobEvent['type'], job: Job, extra: Partial<JobEvent>) =>
      jobEvent(type, queue, job, extra);

    // While a job lives, Redis is its truth (views read it there); its record is written once,
    // when it ends. Active and progress therefore cost MongoDB nothing.
    // Jobs this worker runs now; a job failed by the stall check elsewhere was never counted here.
    const running = new Set<string>();
    const stopped = (job: Job) => {
      if (running.delete(job.id!)) this.metrics.activeJobs.set({ queue }, running.size);
    };
    const seconds = (from?: number, to?: number) =>
      from && to && to >= from ? (to - from) / 1000 : undefined;
    const timed = (job: Job) => {
      const took = seconds(job.processedOn, job.finishedOn ?? Date.now());
      if (took !== undefined) this.metrics.processing.observe({ queue, name: job.name }, took);
    };

    worker.on('active', (job) => {
      const waited = seconds(job.timestamp + (job.delay ?? 0), job.processedOn ?? Date.now());
      if (waited !== undefined) this.metrics.wait.observe({ queue, name: job.name }, waited);
      running.add(job.id!);
      this.metrics.activeJobs.set({ queue }, running.size);
      this.events.publish(event('job:active', job, { state: 'active' }));
      logger.debug(jobLine('job active', jobLogFields(queue, job)));
    });

    worker.on('progress', (job, progress) => {
      this.events.publish(event('job:progress', job, { state: 'active', progress }));
      logger.debug({ ...jobLine('job progress', jobLogFields(queue, job)), progress });
    });

    // A run that ended on its own (not cancelled) times the queue's runs for start estimates.
    const ended = (job: Job, timed: boolean) => {
      const ranMs =
        timed && job.processedOn ? (job.finishedOn ?? Date.now()) - job.processedOn : -1;
      return this.index
        .finished(
          { id: job.id!, queue },
          ownerOf((job.data ?? {}) as object) ?? SYSTEM_OWNER,
          ranMs >= 0 ? ranMs : undefined,
        )
        .catch(throttled(logger, 'quota index'));
    };

    worker.on('completed', (job, result) => {
      stopped(job);
      this.metrics.jobEnded(queue, job.name, 'completed');
      timed(job);
      this.records.noteFinished(queue, job, 'completed', { result });
      void ended(job, true);
      this.events.publish(
        event('job:completed', job, {
          state: 'completed',
          progress: 100,
          result,
        }),
      );
      logger.log(jobLine('job completed', jobLogFields(queue, job, job.attemptsMade)));
      this.finish(processor, job, { state: 'completed', result }, logger);
    });

    worker.on('failed', (job, error) => {
      if (!job) return void logger.error(`a job failed before it was read: ${error.message}`);
      stopped(job);
      if (error instanceof OwnerErasedError) {
        // A job of an erased owner that slipped past the erase: it leaves nothing, not even
        // itself in the failed set (no record, event, failure group or after-finish step).
        void ended(job, false);
        void job.remove().catch(throttled(logger, 'job of an erased owner'));
        return;
      }
      const reason = explainFailure(error.message);
      // BullMQ sets finishedOn only when the job has failed for good (no retry left, or unrecoverable).
      if (typeof job.finishedOn !== 'number') {
        const state = (job.delay ?? 0) > 0 ? 'delayed' : 'waiting';
        this.metrics.jobEnded(queue, job.name, 'retried');
        this.events.publish(event('job:retrying', job, { state, failedReason: reason }));
        logger.warn({
          ...jobLine('job attempt failed, will retry', jobLogFields(queue, job, job.attemptsMade)),
          reason,
        });
        return;
      }
      const state =
        error instanceof JobCancelledError || isCancelledReason(reason) ? 'cancelled' : 'failed';
      this.metrics.jobEnded(queue, job.name, state);
      timed(job);
      this.records.noteFinished(queue, job, state, { reason });
      void ended(job, state === 'failed');
      if (state === 'failed')
        void this.failures
          .noteFailed({
            id: job.id!,
            queue,
            name: job.name,
            reason,
            failedAt: job.finishedOn ?? Date.now(),
          })
          .catch(throttled(logger, 'failure groups'));
      this.events.publish(
        event(state === 'cancelled' ? 'job:cancelled' : 'job:failed', job, {
          state,
          failedReason: reason,
        }),
      );
      const line = {
        ...jobLine(`job ${state}`, jobLogFields(queue, job, job.attemptsMade)),
        reason,
      };
      if (state === 'cancelled') logger.log(line);
      else logger.warn(line);
      this.finish(processor, job, { state, reason }, logger);
    });

    worker.on('stalled', (jobId) =>
      logger.warn(`job ${jobId} stalled (its worker stopped answering); it will run again`),
    );
    worker.on('error', throttled(logger, 'worker error'));
  }

  private finish(
    processor: KernelProcessor,
    job: Job,
    outcome: FinishedOutcome,
    logger: Logger,
  ): void {
    processor.onFinished?.((job.data ?? {}) as object, outcome).catch((error: Error) =>
      logger.error({
        ...jobLine('after-finish step failed', jobLogFields(processor.queueName, job)),
        reason: error.message,
      }),
    );
  }
}
