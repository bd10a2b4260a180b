import { Inject } from '@nestjs/common';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, type Job, type JobProgress } from 'bullmq';
import { validateDto } from '../../common/validate-dto';
import { isDatabaseDown } from '../../infra/mongo/database-down';
import type { PayloadClass, QueueDefinition } from '../contracts/queue-catalogue';
import type { FinishedOutcome, JobContext } from '../contracts/job-context';
import { ownerOf, withOwnerField } from '../contracts/owner';
import { ErasedOwners } from '../records/erased-owners';
import { JobRecordsService } from '../records/job-records.service';
import { CircuitBreakers } from '../breakers/circuit-breakers';
import { jobLogFields } from './job-log';
import { JobLifecycle } from './job-lifecycle';
import type { QueueProcessor } from './queue-processor';
import { deadlineOf, requestIdOf, timeoutOf } from './job-options';
import { QueueRegistry } from './queue-registry';
import {
  JobCancelledError,
  JobExpiredError,
  JobPayloadError,
  JobTimeoutError,
  OwnerErasedError,
  PermanentJobError,
  SHUTDOWN_ABORT,
} from '../contracts/job-errors';

/** While the database is away, how long a job waits before it runs again. */
const OUTAGE_RETRY_MS = 2000;

/** After a shutdown abort, how long a handler gets to stop before its job is handed back. */
const SETTLE_AFTER_SHUTDOWN_MS = 3000;

/** Why a job starts after its deadline, as far as the job itself can tell. */
function lateness(job: Job): string {
  const dueAt = job.timestamp + (job.opts.delay ?? 0);
  const late = `${Math.round((Date.now() - dueAt) / 1000)} s after it was due`;
  return job.attemptsMade > 0
    ? `its retry came ${late}, after ${job.attemptsMade} failed attempt(s)`
    : `it could start only ${late}: its queue paused, a backlog, busy workers or a provider's open breaker held it`;
}

/** One handler per job name of the queue, each typed by its payload class. */
export type JobHandlers<D extends QueueDefinition> = {
  [N in keyof D['jobs'] & string]: (
    payload: D['jobs'][N] extends PayloadClass ? InstanceType<D['jobs'][N]> : never,
    context: JobContext,
  ) => Promise<unknown>;
};

function abortReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'cancelled on request';
}

/** What a fired signal ends the run with: its timeout, or a cancel (never retried). */
function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof JobTimeoutError
    ? signal.reason
    : new JobCancelledError(abortReason(signal));
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Resolves when `work` settles, or after `ms`, whichever is first; never rejects. */
async function settled(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.then(
      () => undefined,
      () => undefined,
    ),
    new Promise((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

/** Settles with `work`, or rejects (cancel or timeout) the moment `signal` fires. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    // On every job's path: one chained promise, the listener dropped in each branch.
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? abortError(signal) : toError(error));
      },
    );
  });
}

/**
 * Base of every queue's `@Processor` class (a @nestjs/bullmq `WorkerHost`). Its definition makes
 * the queue known to the kernel (QueueCatalogue); @nestjs/bullmq builds its Worker (a
 * KernelWorker) when WorkerBootstrap registers workers, in the roles that run them. `process`
 * validates each payload against the definition, runs the typed handler with the job's
 * AbortSignal and turns a cancel into a non-retried JobCancelledError; the `@OnWorkerEvent`
 * methods hand each worker event to JobLifecycle (records, events, metrics, logs). A queue's
 * class may add `@OnWorkerEvent` methods of its own (named differently from these).
 */
export abstract class KernelProcessor<D extends QueueDefinition = QueueDefinition>
  extends WorkerHost
  implements QueueProcessor
{
  abstract readonly definition: D;
  protected abstract readonly handlers: JobHandlers<D>;

  get queueName(): D['spec']['name'] {
    return this.definition.spec.name;
  }

  // Property injection keeps each queue's processor constructor about its own services only.
  @Inject(JobRecordsService) private readonly records: JobRecordsService;
  @Inject(CircuitBreakers) private readonly breakers: CircuitBreakers;
  @Inject(ErasedOwners) private readonly erased: ErasedOwners;
  @Inject(JobLifecycle) private readonly lifecycle: JobLifecycle;
  @Inject(QueueRegistry) private readonly registry: QueueRegistry;

  /** Called once per job that finished for good, after its record is updated. */
  onFinished?(payload: object, outcome: FinishedOutcome): Promise<void>;

  /** Called when an admin queues a failed or cancelled job again (its record is reset). */
  onRetried?(payload: object): Promise<void>;

  get jobNames(): string[] {
    return Object.keys(this.handlers);
  }

  @OnWorkerEvent('active')
  kernelActive(job: Job): void {
    this.lifecycle.active(this.queueName, job);
  }

  @OnWorkerEvent('progress')
  kernelProgress(job: Job, progress: JobProgress): void {
    this.lifecycle.progress(this.queueName, job, progress);
  }

  @OnWorkerEvent('completed')
  kernelCompleted(job: Job, result: unknown): void {
    this.lifecycle.completed(this, job, result);
  }

  @OnWorkerEvent('failed')
  kernelFailed(job: Job | undefined, error: Error): void {
    this.lifecycle.failed(this, job, error);
  }

  @OnWorkerEvent('stalled')
  kernelStalled(jobId: string): void {
    this.lifecycle.stalled(this.queueName, jobId);
  }

  @OnWorkerEvent('error')
  kernelError(error: Error): void {
    this.lifecycle.error(this.queueName, error);
  }

  // BullMQ passes the AbortSignal only to a processor declaring three parameters (fn.length).
  // @nestjs/bullmq binds this method, which keeps its length; so name all three.
  async process(job: Job, token?: string, signal?: AbortSignal): Promise<unknown> {
    const handler = (
      this.handlers as Record<string, (p: unknown, c: JobContext) => Promise<unknown>>
    )[job.name];
    const payloadClass = (this.definition.jobs as Record<string, PayloadClass>)[job.name];
    if (!handler || !payloadClass) {
      throw new PermanentJobError(`Unknown job "${job.name}" for queue ${this.queueName}`);
    }
    // Too late to start: not run (a job without a deadline pays one property read).
    const deadline = deadlineOf(job);
    if (deadline !== undefined && Date.now() > deadline)
      throw new JobExpiredError(new Date(deadline), lateness(job));
    let payload: unknown;
    try {
      // Jobs queued before payloads named their owner `userId` still carry the seed's `user`.
      payload = validateDto(payloadClass, withOwnerField(job.data));
    } catch (error) {
      if (error instanceof JobPayloadError)
        throw new PermanentJobError(`Invalid payload: ${error.message}`);
      throw error;
    }
    // A job left of an erased owner (one that slipped past the erase) does nothing.
    if (await this.erased.isErasedHere(ownerOf(payload)).catch(() => false))
      throw new OwnerErasedError();
    // Do not run ahead of the job history when MongoDB is slower than the queue.
    await this.records.waitForRoom();
    // The run's timeout fires the same signal a cancel does (ffmpeg killed, HTTP calls aborted).
    const timeoutMs = timeoutOf(job, this.registry.spec(this.queueName));
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new JobTimeoutError(timeoutMs)), timeoutMs);
    const abortSignal = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    const context: JobContext = {
      jobId: job.id!,
      queue: this.queueName,
      attempt: job.attemptsMade + 1,
      signal: abortSignal,
      progress: (value) => job.updateProgress(value),
      deferUntil: async (at, why) => {
        if (!token) throw new Error(`cannot defer job ${job.id}: ${why}`);
        await job.moveToDelayed(at.getTime(), token);
        throw new DelayedError(`${why}; until ${at.toISOString()}`);
      },
      deadline: deadline === undefined ? undefined : new Date(deadline),
      requestId: requestIdOf(job),
      logFields: jobLogFields(this.queueName, job),
      viaProvider: (provider, call) => this.breakers.call(provider, context, call),
      admitProvider: (provider) => this.breakers.admit(provider),
    };
    const work = handler(payload, context);
    try {
      return await untilAborted(work, abortSignal);
    } catch (error) {
      if (error instanceof JobTimeoutError) {
        // A failed attempt, retried per the queue's policy: once the handler has stopped (or had
        // its moment), so the next attempt never overlaps a side effect of this one.
        await settled(work, SETTLE_AFTER_SHUTDOWN_MS);
        throw error;
      }
      if (isDatabaseDown(error) && token && !abortSignal.aborted) {
        // The database is away: not the job's fault. It waits, its attempt unspent, and runs
        // again when the database is likely back (its side effects are keyed: see the ledgers).
        await job.moveToDelayed(Date.now() + OUTAGE_RETRY_MS, token);
        throw new DelayedError('the database is unavailable; the job runs again shortly');
      }
      if (abortSignal.reason === SHUTDOWN_ABORT && token) {
        // Not the job's fault: back to the queue without spending an attempt — once the handler
        // has stopped (or had its moment), so no second run overlaps a side effect of this one.
        await settled(work, SETTLE_AFTER_SHUTDOWN_MS);
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError(SHUTDOWN_ABORT);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
