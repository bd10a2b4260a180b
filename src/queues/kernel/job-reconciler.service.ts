import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisClient } from '../../infra/redis/redis-client';
import type { AppConfig } from '../../config/app-config';
import type { JobsConfig } from '../../config/queue-config';
import { withRedisLock } from '../../infra/redis/redis-lock';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { JobPriority } from '../contracts/job-priority';
import { JobIndex } from '../records/job-index';
import { JobIntent, JobIntents } from '../records/job-intents';
import type { JobRef } from '../records/job-ref';
import { JobRecordsService } from '../records/job-records.service';
import { ErasedOwners } from '../records/erased-owners';
import { FINISHED_STATES, JobRecord, UNFINISHED_STATES } from '../records/job-record.schema';
import { Metrics } from '../../infra/metrics/metrics';
import { explainFailure } from '../contracts/job-errors';
import { JobEnding } from './job-ending';
import { JobLookup, LiveJob } from './job-lookup';
import { FairShare } from './fair-share';
import { buildJobOptions } from './job-options';
import { QueueRegistry } from './queue-registry';

export interface ReconcileReport {
  checked: number;
  /** Records whose job was not in Redis: queued (again) from the record. */
  requeued: number;
  /** Records that had fallen behind Redis (a lost worker event, a crash): brought up to date. */
  repaired: number;
  /** Listings that named neither a job nor a record (a crash before the Redis add): dropped. */
  dropped: number;
}

const BATCH = 500;

/**
 * Keeps job records and Redis in agreement after crashes, looking only at what may disagree:
 * - jobs whose final record is not written yet (JobIndex's open set, due a look once they are
 *   older than JOB_RECONCILE_GRACE_MS): still live → looked at again later; finished in Redis
 *   → the record is written from the job (its worker died before writing it); gone from Redis →
 *   queued again from an unfinished record, or dropped when there is none;
 * - records named for a check (written while Redis was away, or set back by hand): compared
 *   with their job in Redis, queued when it is missing.
 * Every read is by key or `_id`; a pass looks at most 500 of each, one process at a time (lock).
 */
@Injectable()
export class JobReconciler {
  private readonly jobs: JobsConfig;
  private readonly lockKey: string;
  private readonly logger = new Logger('JobReconciler');

  constructor(
    private readonly registry: QueueRegistry,
    private readonly records: JobRecordsService,
    private readonly index: JobIndex,
    private readonly intents: JobIntents,
    private readonly lookup: JobLookup,
    private readonly ending: JobEnding,
    private readonly metrics: Metrics,
    private readonly erased: ErasedOwners,
    private readonly fairShare: FairShare,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<AppConfig, true>,
  ) {
    this.jobs = config.get('jobs', { infer: true });
    this.lockKey = `${config.get('redisKeys', { infer: true }).base}:locks:job-reconciler`;
  }

  /** One pass; undefined when another process holds the lock. */
  async runOnce(): Promise<ReconcileReport | undefined> {
    const report = await withRedisLock(
      this.redis,
      this.lockKey,
      Math.max(this.jobs.reconcileIntervalMs, 10_000),
      () => this.pass(),
    );
    if (report)
      for (const kind of ['requeued', 'repaired', 'dropped'] as const)
        if (report[kind]) this.metrics.reconcilerRepairs.inc({ kind }, report[kind]);
    if (report && (report.requeued || report.repaired || report.dropped)) {
      this.logger.log(
        `checked ${report.checked} jobs: ${report.requeued} queued again, ${report.repaired} records repaired, ${report.dropped} empty listings dropped`,
      );
    }
    return report;
  }

  private async pass(): Promise<ReconcileReport> {
    await this.records.flush();
    const report: ReconcileReport = { checked: 0, requeued: 0, repaired: 0, dropped: 0 };
    const ids = (await this.records.pendingChecks()).slice(0, BATCH);
    const done: string[] = [];
    for (const id of ids) {
      report.checked++;
      const outcome = await this.guarded(id, async () => {
        const record = await this.records.findById(id);
        return record ? this.reconcileRecord(record) : 'confirmed';
      });
      if (outcome) done.push(id);
      if (outcome && outcome !== 'confirmed') report[outcome]++;
    }
    await this.records.checked(done);

    const now = Date.now();
    const live: JobRef[] = [];
    for (const ref of await this.index.dueForCheck(now, BATCH)) {
      report.checked++;
      const outcome = await this.guarded(ref.id, () => this.reconcileRef(ref));
      // Live, or failed to check this time: looked at again later, after the others.
      if (outcome === 'live' || !outcome) live.push(ref);
      else if (outcome !== 'confirmed') report[outcome]++;
    }
    const recheckMs = Math.max(this.jobs.reconcileGraceMs, this.jobs.reconcileIntervalMs);
    await this.index.checkLater(live, now + recheckMs);
    return report;
  }

  /** One job's check; an error is logged and skips that job, not the rest of the pass. */
  private async guarded<T>(jobId: string, check: () => Promise<T>): Promise<T | undefined> {
    try {
      return await check();
    } catch (error) {
      this.logger.warn(`job ${jobId} not reconciled this time: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Queues a missing unfinished job again, due at its original time (same id: BullMQ keeps one). */
  async requeue(record: JobIntent): Promise<void> {
    if (await this.erased.isErased(record.ownerId)) return; // read just before its erase
    const queue = await this.registry.use(record.queue);
    // BullMQ runs a delayed job at its timestamp + delay, and the timestamp stays the creation time.
    const created = record.createdAt.getTime();
    const runAt = record.runAt?.getTime() ?? 0;
    const delayMs = runAt > Date.now() ? runAt - created : 0;
    await this.index.added(
      {
        id: record._id,
        queue: record.queue,
        ownerId: record.ownerId,
        contentId: record.contentId,
        createdAt: created,
      },
      Date.now() + this.jobs.reconcileGraceMs,
    );
    // A record (of an older version, or one set back) says so too, before the add: written after
    // it, it could land on top of the final record of a job that already ran.
    if ('state' in record)
      await this.records.update(record._id, { state: delayMs > 0 ? 'delayed' : 'waiting' }, [], {
        recheck: false,
      });
    const priority = record.priority as JobPriority;
    const turn = await this.fairShare.turnFor(record.queue, priority, record.ownerId, delayMs > 0);
    await queue.add(record.name, record.data, {
      ...buildJobOptions(
        this.registry.spec(record.queue),
        {
          jobId: record._id,
          priority,
          turn,
          delayMs,
          timeoutMs: record.timeoutMs,
          deadline: record.deadline ? new Date(record.deadline).getTime() : undefined,
        },
        this.jobs.backoffDelayMs,
      ),
      timestamp: created,
    });
  }

  /** A job whose final record is not written yet. */
  private async reconcileRef(
    ref: JobRef,
  ): Promise<'live' | 'confirmed' | 'requeued' | 'repaired' | 'dropped'> {
    const live = await this.lookup.live(ref.queue, ref.id);
    if (live && UNFINISHED_STATES.includes(live.state)) return 'live';
    const record = await this.records.findById(ref.id);
    if (live) return this.settle(ref, live, record);
    if (record && !FINISHED_STATES.includes(record.state)) {
      await this.requeue(record);
      return 'requeued';
    }
    if (record) {
      await this.index.closeChecks([ref]);
      await this.index.finished(ref, record.ownerId);
      return 'confirmed';
    }
    // Accepted, never finished, and gone from Redis (a Redis that lost its data): from its intent.
    const intent = await this.intents.findById(ref.id);
    if (intent) {
      await this.requeue(intent);
      return 'requeued';
    }
    await this.index.closeChecks([ref]);
    this.logger.warn(`job ${ref.id} (${ref.queue}) is listed but neither in Redis nor recorded`);
    return 'dropped';
  }

  /**
   * A job finished in Redis whose worker did not close its listing (it died, or is slow): its end
   * is recorded unless its record already says so, and announced again either way — the worker
   * may have died between writing the record and sending the event (JobEnding.repaired).
   */
  private async settle(
    ref: JobRef,
    live: LiveJob,
    record: JobRecord | null,
  ): Promise<'confirmed' | 'repaired'> {
    const written = Boolean(record?.state === live.state && record.finishedAt);
    await this.ending.repaired(ref, live.job, this.finalOf(ref, live), written);
    return written ? 'confirmed' : 'repaired';
  }

  private finalOf(ref: JobRef, live: LiveJob) {
    const state = live.state as 'completed' | 'failed' | 'cancelled';
    return this.records.finalRecord(ref.queue, live.job, state, {
      result: live.job.returnvalue as unknown,
      reason: explainFailure(live.job.failedReason),
    });
  }

  /** A record named for a check: compared with its job in Redis. */
  private async reconcileRecord(record: JobRecord): Promise<'confirmed' | 'requeued' | 'repaired'> {
    const ref = { id: record._id, queue: record.queue };
    const live = await this.lookup.live(record.queue, record._id);
    if (!live) {
      if (FINISHED_STATES.includes(record.state)) return 'confirmed';
      await this.requeue(record);
      return 'requeued';
    }
    if (live.state === record.state) return 'confirmed';
    if (!UNFINISHED_STATES.includes(live.state)) {
      await this.ending.repaired(ref, live.job, this.finalOf(ref, live), false);
      return 'repaired';
    }
    const { job } = live;
    await this.index.added(
      {
        ...ref,
        ownerId: record.ownerId,
        contentId: record.contentId,
        createdAt: record.createdAt.getTime(),
      },
      Date.now() + this.jobs.reconcileGraceMs,
    );
    await this.records.update(
      record._id,
      {
        state: live.state,
        progress: job.progress,
        attemptsMade: job.attemptsMade,
        ...(job.processedOn ? { startedAt: new Date(job.processedOn) } : {}),
      },
      [],
      { recheck: false },
    );
    return 'repaired';
  }
}
