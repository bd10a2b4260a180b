import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import type { JobsConfig } from '../../config/queue-config';
import { withRedisLock } from '../../infra/redis/redis-lock';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { JobPriority } from '../job-priority';
import { JobRecordsService, summarizeResult } from '../records/job-records.service';
import { JobRecord } from '../records/job-record.schema';
import { buildJobOptions } from './job-options';
import { toJobState } from './job-state';
import { QueueRegistry } from './queue-registry';

export interface ReconcileReport {
  checked: number;
  /** Records whose job was not in Redis: queued (again) from the record. */
  requeued: number;
  /** Records whose state had fallen behind Redis (a lost worker event): brought up to date. */
  repaired: number;
}

const BATCH = 500;

/**
 * Keeps job records and Redis in agreement after crashes. Unfinished records not confirmed for
 * a while are compared with their job in Redis: a missing job is queued from the record (a crash
 * between the record write and the Redis add, or a Redis that lost data); a state that fell behind
 * is repaired. Finished records are never touched. Runs under a Redis lock, so one process at a time.
 */
@Injectable()
export class JobReconciler {
  private readonly jobs: JobsConfig;
  private readonly lockKey: string;
  private readonly logger = new Logger('JobReconciler');

  constructor(
    private readonly registry: QueueRegistry,
    private readonly records: JobRecordsService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    config: ConfigService<AppConfig, true>,
  ) {
    this.jobs = config.get('jobs', { infer: true });
    this.lockKey = `${config.get('redisPrefix', { infer: true })}:locks:job-reconciler`;
  }

  /** One pass; undefined when another process holds the lock. */
  async runOnce(): Promise<ReconcileReport | undefined> {
    const report = await withRedisLock(
      this.redis,
      this.lockKey,
      Math.max(this.jobs.reconcileIntervalMs, 10_000),
      () => this.pass(),
    );
    if (report && (report.requeued || report.repaired)) {
      this.logger.log(
        `checked ${report.checked} records: ${report.requeued} queued again, ${report.repaired} repaired`,
      );
    }
    return report;
  }

  private async pass(): Promise<ReconcileReport> {
    await this.records.flush();
    const report: ReconcileReport = { checked: 0, requeued: 0, repaired: 0 };
    const before = new Date(Date.now() - this.jobs.reconcileGraceMs);
    const records = await this.records.findUnconfirmed(before, BATCH);
    const confirmed: string[] = [];
    for (const record of records) {
      report.checked++;
      const outcome = await this.reconcile(record);
      if (outcome === 'confirmed') confirmed.push(record._id);
      else report[outcome]++;
    }
    await this.records.markChecked(confirmed);
    return report;
  }

  /**
   * Queues an unfinished record's job again (it is missing from Redis), due at its original time.
   * Same id: if a racing producer or reconciler added it meanwhile, BullMQ keeps the one job.
   */
  async requeue(record: JobRecord): Promise<void> {
    const queue = await this.registry.use(record.queue);
    const delayMs = record.runAt ? Math.max(0, record.runAt.getTime() - Date.now()) : 0;
    await queue.add(
      record.name,
      record.data,
      buildJobOptions(
        this.jobs.queues[record.queue],
        { jobId: record._id, priority: record.priority as JobPriority, delayMs },
        this.jobs.backoffDelayMs,
      ),
    );
    await this.records.update(record._id, {
      state: delayMs > 0 ? 'delayed' : 'waiting',
      checkedAt: new Date(),
    });
  }

  private async reconcile(record: JobRecord): Promise<'confirmed' | 'requeued' | 'repaired'> {
    const queue = await this.registry.use(record.queue);
    const job = await queue.getJob(record._id);
    const state = job ? toJobState(await job.getState(), job.failedReason) : undefined;
    if (!job || !state) {
      await this.requeue(record);
      return 'requeued';
    }
    if (state === record.state) return 'confirmed';
    const finishedAt = job.finishedOn ? new Date(job.finishedOn) : undefined;
    const set: Partial<JobRecord> = {
      state,
      progress: job.progress,
      attemptsMade: job.attemptsMade,
      checkedAt: new Date(),
    };
    if (job.processedOn) set.startedAt = new Date(job.processedOn);
    if (finishedAt && (state === 'completed' || state === 'failed' || state === 'cancelled')) {
      Object.assign(set, this.records.finishFields(state, finishedAt));
      if (state === 'completed') set.result = summarizeResult(job.returnvalue);
      else set.failedReason = job.failedReason;
    }
    await this.records.update(record._id, set);
    return 'repaired';
  }
}
