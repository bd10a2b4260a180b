import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { ConfigService } from '@nestjs/config';
import type { Job, Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import type { JobsConfig } from '../../config/queue-config';
import { validateDto } from '../../common/validate-dto';
import {
  contentOf,
  JobNameOf,
  JOB_PAYLOADS,
  ownerOf,
  payloadClassFor,
  PayloadOf,
} from '../job-registry';
import { isJobPriority, JobPriority, PRIORITY_VALUES } from '../job-priority';
import { ALL_QUEUES, QueueName } from '../queue-names';
import { REDIS_RETENTION } from '../queue-catalogue';
import { IndexedJob, JobIndex } from '../records/job-index';
import { JobIntents } from '../records/job-intents';
import { JobRecordsService } from '../records/job-records.service';
import { FINISHED_STATES, JobRecord, JobState, SYSTEM_OWNER } from '../records/job-record.schema';
import type { FinalRecord } from '../records/record-write-buffer';
import { CancelBus } from './cancel-bus';
import {
  isCancelledReason,
  JobIdConflictError,
  JobNotFoundError,
  JobPayloadError,
  JobStateConflictError,
  QueueUnavailableError,
} from './job-errors';
import { JobEventsPublisher } from './job-events';
import { buildJobOptions, isValidJobId, newJobId } from './job-options';
import { JobLookup, LiveJob } from './job-lookup';
import { toJobState } from './job-state';
import { JobStatus, statusFromJob, statusFromRecord } from './job-status';
import { QueueRegistry } from './queue-registry';

export { statusFromRecord };
export type { JobStatus };

export interface AddJobOptions {
  /** JOB_PRIORITY value; defaults to the queue's (HIGH for video-processing, else NORMAL). */
  priority?: number;
  /** Run no earlier than this (a Date in the future). */
  runAt?: Date;
  /** Run after this many milliseconds. */
  delay?: number;
  /** A caller-chosen id, for idempotent submission; must be unique across all queues. */
  jobId?: string;
  /**
   * If Redis is away, keep the record and let the reconciler queue the job once Redis is back,
   * instead of failing. For jobs a completed action owes (the welcome email of a new account).
   */
  deferIfQueueDown?: boolean;
}

export interface AcceptedJob {
  jobId: string;
  queue: QueueName;
  name: string;
  state: JobState;
  priority: JobPriority;
  runAt?: Date;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
  paused: boolean;
}

export type CancelOutcome = { state: 'cancelled' } | { state: 'active'; cancelRequested: true };

const CANCEL_WAIT_MS = 5000;

/**
 * The queue kernel: every job goes in and is looked after through here. Producers and the
 * QueuesService facade call it; HTTP controllers call the facade.
 */
@Injectable()
export class JobKernel {
  private readonly jobs: JobsConfig;
  private readonly logger = new Logger('JobKernel');

  constructor(
    private readonly registry: QueueRegistry,
    private readonly records: JobRecordsService,
    private readonly cancelBus: CancelBus,
    private readonly events: JobEventsPublisher,
    private readonly index: JobIndex,
    private readonly intents: JobIntents,
    private readonly lookup: JobLookup,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    config: ConfigService<AppConfig, true>,
  ) {
    this.jobs = config.get('jobs', { infer: true });
  }

  /**
   * Validates, lists the job in the Redis indexes, writes its intent to MongoDB, then adds it to
   * BullMQ. A crash in between leaves a listing the reconciler queues from the intent (or drops,
   * when there is none): never a job its owner cannot see, never an accepted job that Redis alone
   * holds. If Redis or MongoDB refuses, the listing is removed and the caller told (503).
   */
  async add<Q extends QueueName, N extends JobNameOf<Q>>(
    queue: Q,
    name: N,
    data: PayloadOf<Q, N>,
    options: AddJobOptions = {},
  ): Promise<AcceptedJob> {
    const queueName = this.registry.resolve(queue) as Q;
    const spec = this.jobs.queues[queueName];
    const payloadClass = payloadClassFor(queueName, name);
    if (!payloadClass) {
      throw new JobPayloadError([
        `name must be one of ${Object.keys(JOB_PAYLOADS[queueName]).join(', ')}`,
      ]);
    }
    const payload = validateDto(payloadClass, data) as Record<string, unknown>;
    const priority = options.priority ?? spec.defaultPriority;
    const delayMs = this.delayOf(options);
    const problems: string[] = [];
    if (!isJobPriority(priority))
      problems.push(`priority must be one of ${PRIORITY_VALUES.join(', ')}`);
    if (options.jobId !== undefined && !isValidJobId(options.jobId)) {
      problems.push('jobId must be 1-100 letters, digits, _ or - and not a plain number');
    }
    if (problems.length) throw new JobPayloadError(problems);

    const jobId = options.jobId ?? newJobId();
    if (options.jobId !== undefined) {
      const existing = await this.existing(jobId, queueName, name);
      if (existing) return existing;
    }
    const createdAt = Date.now();
    const runAt = delayMs > 0 ? new Date(createdAt + delayMs) : undefined;
    const jobOptions = buildJobOptions(
      spec,
      { jobId, priority: priority as JobPriority, delayMs },
      this.jobs.backoffDelayMs,
    );
    const accepted: AcceptedJob = {
      jobId,
      queue: queueName,
      name,
      state: runAt ? 'delayed' : 'waiting',
      priority: priority as JobPriority,
      runAt,
    };
    const indexed: IndexedJob = {
      id: jobId,
      queue: queueName,
      ownerId: ownerOf(payload) ?? SYSTEM_OWNER,
      contentId: contentOf(payload),
      createdAt,
    };
    const defer = async (error: unknown) => {
      this.logger.warn(
        `job ${jobId}: Redis refused it; the reconciler will queue it (${(error as Error).message})`,
      );
      await this.records
        .create({
          _id: jobId,
          queue: queueName,
          name,
          ownerId: indexed.ownerId,
          contentId: indexed.contentId,
          maxAttempts: spec.attempts,
          priority,
          data: payload,
          state: accepted.state,
          runAt,
        })
        .catch((e: Error) => {
          throw new QueueUnavailableError(e);
        });
      return accepted;
    };
    try {
      // Listed first, so the reconciler hears of the job whatever happens next.
      await this.index.added(indexed, createdAt + this.jobs.reconcileGraceMs);
    } catch (error) {
      if (options.deferIfQueueDown) return defer(error);
      throw new QueueUnavailableError(error);
    }
    try {
      // The receipt a Redis that lost everything is repaired from (see JobIntents).
      await this.intents.write({
        _id: jobId,
        queue: queueName,
        name,
        ownerId: indexed.ownerId,
        contentId: indexed.contentId,
        data: payload,
        priority,
        runAt,
        createdAt: new Date(createdAt),
      });
    } catch (error) {
      await this.index.removed(indexed).catch(() => undefined);
      throw new QueueUnavailableError(error);
    }
    try {
      await (
        await this.registry.use(queueName)
      ).add(name, payload, { ...jobOptions, timestamp: createdAt });
    } catch (error) {
      if (options.deferIfQueueDown) return defer(error);
      await this.index.removed(indexed).catch((e: Error) =>
        // Left behind, the entry is dropped by the reconciler: it names no job and no record.
        this.logger.warn(
          `job ${jobId}: Redis refused it and its listing stays a while (${e.message})`,
        ),
      );
      throw new QueueUnavailableError(error);
    }
    return accepted;
  }

  private delayOf(options: AddJobOptions): number {
    if (options.runAt !== undefined) {
      const at = options.runAt instanceof Date ? options.runAt.getTime() : NaN;
      if (Number.isNaN(at)) throw new JobPayloadError(['date must be a valid date']);
      if (at <= Date.now()) throw new JobPayloadError(['date must be in the future']);
      return at - Date.now();
    }
    if (options.delay !== undefined && (!Number.isInteger(options.delay) || options.delay < 0)) {
      throw new JobPayloadError(['delay must be a whole number of milliseconds, 0 or more']);
    }
    return options.delay ?? 0;
  }

  /** A repeated submission with the same id is answered with the job it already made. */
  private async existing(
    jobId: string,
    queue: QueueName,
    name: string,
  ): Promise<AcceptedJob | undefined> {
    const found = await this.lookup.locate(jobId);
    if (!found) return undefined;
    const status = found.live
      ? statusFromJob(found.queue, found.live.job, found.live.state, found.record)
      : statusFromRecord(found.record!);
    if (found.queue !== queue || status.name !== name) throw new JobIdConflictError(jobId);
    return {
      jobId,
      queue,
      name,
      state: status.state,
      priority: status.priority,
      runAt: status.timestamps.runAt ? new Date(status.timestamps.runAt) : undefined,
    };
  }

  /** Live state from Redis when the job is still there, else the record. */
  async getStatus(queue: string, jobId: string): Promise<JobStatus> {
    const queueName = this.registry.resolve(queue);
    const [live, record] = await Promise.all([
      this.lookup.live(queueName, jobId),
      this.records.findById(jobId),
    ]);
    if (record && record.queue !== queueName) throw new JobNotFoundError(jobId);
    if (live) return statusFromJob(queueName, live.job, live.state, record);
    if (record) return statusFromRecord(record);
    throw new JobNotFoundError(jobId);
  }

  /** getStatus for a record the caller already holds: only Redis is read again. */
  async statusOf(record: JobRecord): Promise<JobStatus> {
    return (
      (await this.lookup.status({ id: record._id, queue: record.queue }, record)) ??
      statusFromRecord(record)
    );
  }

  /** Finds a job by id alone (ids are unique across queues): live in Redis, or its record. */
  async find(jobId: string): Promise<JobStatus> {
    const found = await this.lookup.locate(jobId);
    if (found?.live)
      return statusFromJob(found.queue, found.live.job, found.live.state, found.record);
    if (found?.record) return statusFromRecord(found.record);
    throw new JobNotFoundError(jobId);
  }

  private liveJob(queue: QueueName, jobId: string): Promise<LiveJob | undefined> {
    return this.lookup.live(queue, jobId);
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
    const status = await this.getStatus(queueName, jobId);
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
      const live = await this.liveJob(queue, jobId);
      if (!live || live.state === 'cancelled') {
        // The worker records this too; writing it here lets the caller read a finished record at once.
        if (live)
          await this.records.writeFinal(
            this.records.finalRecord(queue, live.job, 'cancelled', {
              reason: live.job.failedReason || `Cancelled: ${reason}`,
            }),
          );
        return { state: 'cancelled' };
      }
      if (live.state === 'completed' || live.state === 'failed') {
        throw new JobStateConflictError(jobId, live.state, 'cancelled');
      }
    }
    return { state: 'active', cancelRequested: true };
  }

  private async markCancelled(queue: QueueName, status: JobStatus, reason: string): Promise<void> {
    const failedReason = `Cancelled: ${reason}`;
    await this.records.writeFinal(finalFromStatus(status, failedReason, this.records));
    await this.index.finished(status, status.ownerId);
    this.events.publish({
      type: 'job:cancelled',
      jobId: status.id,
      queue,
      name: status.name,
      ownerId: status.ownerId,
      state: 'cancelled',
      attemptsMade: status.attemptsMade,
      failedReason,
    });
  }

  /** Failed or cancelled jobs run again from their first attempt; others are a conflict. */
  async retry(queue: string, jobId: string): Promise<AcceptedJob> {
    const queueName = this.registry.resolve(queue);
    const status = await this.getStatus(queueName, jobId);
    if (status.state !== 'failed' && status.state !== 'cancelled') {
      throw new JobStateConflictError(jobId, status.state, 'retried');
    }
    const reset = { state: 'waiting' as const, attemptsMade: 0, progress: 0 };
    const unset: (keyof JobRecord)[] = [
      'failedReason',
      'finishedAt',
      'purgeAfter',
      'cancelRequestedAt',
      'result',
    ];
    const job = await (await this.registry.use(queueName)).getJob(jobId);
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
      // Gone from Redis (removed on cancel, or past its 7 days): queue it again from the record.
      const record = (await this.records.findById(jobId))!;
      const spec = this.jobs.queues[queueName];
      await this.records.update(jobId, reset, unset);
      await (
        await this.registry.use(queueName)
      ).add(
        record.name,
        record.data,
        buildJobOptions(
          spec,
          { jobId, priority: record.priority as JobPriority, delayMs: 0 },
          this.jobs.backoffDelayMs,
        ),
      );
    }
    return {
      jobId,
      queue: queueName,
      name: status.name,
      state: 'waiting',
      priority: status.priority,
    };
  }

  /**
   * A waiting job's place in line (1 = next), or undefined when it is not waiting. Jobs in the
   * plain wait list run before prioritised ones, so they count first.
   */
  async position(queue: QueueName, jobId: string): Promise<number | undefined> {
    const { keys } = await this.registry.use(queue);
    const [rank, waiting, index] = await Promise.all([
      this.redis.zrank(keys.prioritized, jobId),
      this.redis.llen(keys.wait),
      this.redis.lpos(keys.wait, jobId),
    ]);
    // The wait list is consumed from its right end.
    if (index !== null) return waiting - index;
    return rank === null ? undefined : waiting + rank + 1;
  }

  /** A page of a queue's jobs in one state, newest first. */
  async list(
    queue: string,
    state: Exclude<JobState, 'cancelled'>,
    start: number,
    count: number,
  ): Promise<JobStatus[]> {
    const queueName = this.registry.resolve(queue);
    const types =
      state === 'waiting'
        ? (['wait', 'prioritized', 'waiting-children'] as const)
        : ([state] as const);
    const jobs = await (
      await this.registry.use(queueName)
    ).getJobs([...types], start, start + count - 1, false);
    return jobs
      .filter((job): job is Job => !!job)
      .map((job) =>
        statusFromJob(
          queueName,
          job,
          toJobState(state === 'waiting' ? 'waiting' : state, job.failedReason)!,
          null,
        ),
      );
  }

  async pause(queue: string): Promise<void> {
    await (await this.registry.use(this.registry.resolve(queue))).pause();
  }

  async resume(queue: string): Promise<void> {
    await (await this.registry.use(this.registry.resolve(queue))).resume();
  }

  /** Retries every failed job of a queue (not the cancelled ones); returns how many. */
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
        if (!job || isCancelledReason(job.failedReason)) skipped++;
        else {
          await this.retry(queueName, job.id!);
          retried++;
        }
      }
    }
    return retried;
  }

  async workers(queue: string): Promise<number> {
    return (await this.registry.use(this.registry.resolve(queue))).getWorkersCount();
  }

  async counts(queue: string): Promise<QueueCounts> {
    const bullQueue = await this.registry.use(this.registry.resolve(queue));
    const [c, paused] = await Promise.all([
      bullQueue.getJobCounts(
        'wait',
        'prioritized',
        'waiting-children',
        'active',
        'completed',
        'failed',
        'delayed',
      ),
      bullQueue.isPaused(),
    ]);
    return {
      waiting: (c.wait ?? 0) + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0),
      active: c.active ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
      delayed: c.delayed ?? 0,
      paused,
    };
  }

  async allCounts(): Promise<Record<QueueName, QueueCounts>> {
    const entries = await Promise.all(
      ALL_QUEUES.map(async (q) => [q, await this.counts(q)] as const),
    );
    return Object.fromEntries(entries) as Record<QueueName, QueueCounts>;
  }

  /** Removes completed jobs older than 24 h and failed ones older than 7 days from every queue. */
  /** Removes finished jobs past their retention from every queue, in batches (one Lua call each). */
  async clean(): Promise<Record<QueueName, { completed: number; failed: number }>> {
    const entries = await Promise.all(
      ALL_QUEUES.map(async (name) => {
        const queue = await this.registry.use(name);
        const completed = await cleanInBatches(queue, REDIS_RETENTION.completedMs, 'completed');
        const failed = await cleanInBatches(queue, REDIS_RETENTION.failedMs, 'failed');
        return [name, { completed, failed }] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<QueueName, { completed: number; failed: number }>;
  }
}

const CLEAN_BATCH = 1000;

/** One unbounded clean would hold Redis for as long as it takes; batches let other commands in. */
async function cleanInBatches(
  queue: Queue,
  graceMs: number,
  type: 'completed' | 'failed',
): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await queue.clean(graceMs, CLEAN_BATCH, type);
    total += removed.length;
    if (removed.length < CLEAN_BATCH) return total;
  }
}

/** The final record of a job cancelled before it ran, from what its status says. */
function finalFromStatus(
  status: JobStatus,
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
    ...records.finishFields('cancelled', new Date()),
  };
  if (status.timestamps.runAt) record.runAt = new Date(status.timestamps.runAt);
  if (status.timestamps.started) record.startedAt = new Date(status.timestamps.started);
  if (!record.contentId) delete record.contentId;
  return record;
}
