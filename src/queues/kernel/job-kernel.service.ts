import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { isLostConnection } from '../../infra/redis/lost-connection';
import type { AppConfig } from '../../config/app-config';
import type { JobsConfig } from '../../config/queue-config';
import { currentRequestId } from '../../common/log-context';
import { validateDto } from '../../common/validate-dto';
import { contentOf, ownerOf, withOwnerField } from '../contracts/owner';
import { isJobPriority, JobPriority, PRIORITY_VALUES } from '../contracts/job-priority';
import { QueueName } from '../contracts/queue-names';
import { IndexedJob, JobIndex } from '../records/job-index';
import { JobIntents } from '../records/job-intents';
import { JobRecordsService } from '../records/job-records.service';
import { ErasedOwners } from '../records/erased-owners';
import { JobRecord, JobState, SYSTEM_OWNER } from '../records/job-record.schema';
import {
  JobIdConflictError,
  JobNotFoundError,
  JobPayloadError,
  OwnerErasedError,
  QueueUnavailableError,
} from '../contracts/job-errors';
import { buildJobOptions, isValidJobId, newJobId } from './job-options';
import { AddJobOptions, jobTiming } from './add-job-options';
import { FairShare } from './fair-share';
import { JobLookup } from './job-lookup';
import { JobStatus, statusFromJob, statusFromRecord } from './job-status';
import { QueueCatalogue } from './queue-catalogue.service';
import { QueueRegistry } from './queue-registry';
import { StartDeadlines } from './start-deadlines';

export { statusFromRecord };
export type { JobStatus, AddJobOptions };

export interface AcceptedJob {
  jobId: string;
  queue: QueueName;
  name: string;
  state: JobState;
  priority: JobPriority;
  runAt?: Date;
}

/**
 * The queue kernel: every job goes in through here, and is found here by id. Cancel and retry
 * live in JobControl, queue-wide operations in QueueOperations. Producers and the QueuesService
 * facade call them; HTTP controllers call the facade.
 */
@Injectable()
export class JobKernel {
  private readonly jobs: JobsConfig;
  private readonly logger = new Logger('JobKernel');

  constructor(
    private readonly registry: QueueRegistry,
    private readonly catalogue: QueueCatalogue,
    private readonly records: JobRecordsService,
    private readonly index: JobIndex,
    private readonly intents: JobIntents,
    private readonly lookup: JobLookup,
    private readonly erased: ErasedOwners,
    private readonly fairShare: FairShare,
    private readonly deadlines: StartDeadlines,
    config: ConfigService<AppConfig, true>,
  ) {
    this.jobs = config.get('jobs', { infer: true });
  }

  /**
   * Validates, lists the job in the Redis indexes, writes its intent to MongoDB, then adds it to
   * BullMQ. A crash in between leaves a listing the reconciler queues from the intent (or drops,
   * when there is none): never a job its owner cannot see, never an accepted job that Redis alone
   * holds. If Redis or MongoDB refuses, the job is taken back and the caller told (503); once the
   * intent is written, an add that Redis did not answer is accepted (it may have run).
   */
  async add(
    queue: QueueName,
    name: string,
    data: object,
    options: AddJobOptions = {},
  ): Promise<AcceptedJob> {
    const queueName = this.catalogue.resolve(queue);
    const spec = this.catalogue.spec(queueName);
    const payloadClass = this.catalogue.payloadClass(queueName, name);
    if (!payloadClass) {
      throw new JobPayloadError([
        `name must be one of ${this.catalogue.jobNames(queueName).join(', ')}`,
      ]);
    }
    const payload = validateDto(payloadClass, withOwnerField(data)) as Record<string, unknown>;
    const priority = options.priority ?? spec.defaultPriority;
    const { delayMs, deadline, timeoutMs, problems } = jobTiming(
      options,
      spec,
      this.jobs.maxTimeoutMs,
    );
    if (!isJobPriority(priority))
      problems.push(`priority must be one of ${PRIORITY_VALUES.join(', ')}`);
    if (options.jobId !== undefined && !isValidJobId(options.jobId)) {
      problems.push('jobId must be 1-100 letters, digits, _ or - and not a plain number');
    }
    if (problems.length) throw new JobPayloadError(problems);

    // A follow-up (or a request racing the erase) for an owner whose data is being erased, from
    // the process's copy of the marks (one Redis round trip fewer per submission). A job slipping
    // past is stopped by the worker's own check, and its record dropped by the record writer's. Redis away cannot tell: the add
    // goes on to its own Redis step (deferred or 503), as before.
    if (await this.erased.isErasedHere(ownerOf(payload)).catch(() => false))
      throw new OwnerErasedError();
    const jobId = options.jobId ?? newJobId();
    if (options.jobId !== undefined) {
      const existing = await this.existing(jobId, queueName, name);
      if (existing) return existing;
    }
    const createdAt = Date.now();
    const runAt = delayMs > 0 ? new Date(createdAt + delayMs) : undefined;
    // The request (or the job) this one was queued from, for its worker's log lines.
    const requestId = options.requestId ?? currentRequestId();
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
          timeoutMs,
          deadline,
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
        timeoutMs,
        deadline,
        createdAt: new Date(createdAt),
      });
    } catch (error) {
      await this.index.removed(indexed).catch(() => undefined);
      throw new QueueUnavailableError(error);
    }
    try {
      // Its owner's turn within the level, taken last: a job refused before this point uses none.
      const turn = await this.fairShare.turnFor(
        queueName,
        accepted.priority,
        indexed.ownerId,
        delayMs > 0,
      );
      const jobOptions = buildJobOptions(
        spec,
        {
          jobId,
          priority: accepted.priority,
          turn,
          delayMs,
          requestId,
          timeoutMs,
          deadline: deadline?.getTime(),
        },
        this.jobs.backoffDelayMs,
      );
      await (
        await this.registry.use(queueName)
      ).add(name, payload, { ...jobOptions, timestamp: createdAt });
    } catch (error) {
      // No answer is not a no: the add may have run (a master can die before it replies) and the
      // job then runs. Its listing and intent are in place, so it is accepted either way: the
      // reconciler queues it from its intent after the grace if Redis does not have it.
      if (isLostConnection(error)) {
        this.logger.warn(
          `job ${jobId}: Redis did not answer the add; accepted from its intent (${(error as Error).message})`,
        );
      } else {
        if (options.deferIfQueueDown) return defer(error);
        await this.withdraw(indexed);
        throw new QueueUnavailableError(error);
      }
    }
    // For the expiry sweep; lost, the worker's own check still ends the job at its deadline.
    if (deadline)
      await this.deadlines
        .track(queueName, jobId, deadline)
        .catch((e: Error) => this.logger.warn(`job ${jobId}: deadline not indexed (${e.message})`));
    return accepted;
  }

  /**
   * Takes back a job Redis refused: its intent first (so a listing left behind names nothing the
   * reconciler could queue: it drops it), then its listing.
   */
  private async withdraw(indexed: IndexedJob): Promise<void> {
    const { id } = indexed;
    await this.intents
      .delete([id])
      .catch((e: Error) => this.logger.warn(`job ${id}: refused, intent left (${e.message})`));
    await this.index.removed(indexed).catch((e: Error) =>
      // Left behind, the entry is dropped by the reconciler: it names no job and no record.
      this.logger.warn(`job ${id}: Redis refused it and its listing stays a while (${e.message})`),
    );
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
}
