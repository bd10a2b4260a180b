import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config';
import { Metrics } from '../../infra/metrics/metrics';
import { ProcessCopy } from '../../infra/redis/process-copy';
import type { RedisClient } from '../../infra/redis/redis-client';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { FINISHED_STATES, type JobRecord } from './job-record.schema';

/** Records kept per process: a page of 20 for each of ~500 users. */
const KEPT = 10_000;

/**
 * This process's copy of finished jobs' records that Redis no longer holds (past their Redis
 * retention, or removed on cancel), so a job list costs no MongoDB read and no Redis read per
 * such job. Such a record changes only through JobRecordsService (a retry or the reconciler sets
 * it back, a cancel or the reconciler rewrites it, a replace of an existing record, prune and
 * erase delete it), which announces the ids after each write: every process drops its copies at
 * once (ProcessCopy). A job comes back into Redis only through those same writes, so while a copy
 * is kept its job is not in Redis. JOB_RECORD_CACHE_MS bounds an entry's age; 0 turns it off.
 * The subscription starts on the first read, so worker-only processes keep none.
 */
@Injectable()
export class FinishedRecords implements OnApplicationShutdown {
  private readonly copy: ProcessCopy<JobRecord>;

  constructor(
    @Inject(REDIS_CLIENT) redis: RedisClient,
    config: ConfigService<AppConfig, true>,
    private readonly metrics: Metrics,
  ) {
    this.copy = new ProcessCopy(redis, config.get('redis', { infer: true }), {
      channel: `${config.get('redisKeys', { infer: true }).base}:records-changed`,
      ttlMs: config.get('jobs', { infer: true }).recordCacheMs,
      kept: KEPT,
      name: 'finished-records',
    });
  }

  /** The kept record of a job Redis does not hold, or undefined (then ask Redis, then MongoDB). */
  get(jobId: string): JobRecord | undefined {
    this.copy.start();
    const record = this.copy.get(jobId);
    this.metrics.recordCopies.inc({
      outcome: record ? 'hit' : this.copy.inUse ? 'miss' : 'bypass',
    });
    return record;
  }

  /** Taken before Redis is asked for the job (see `keep`). */
  mark(): number {
    return this.copy.mark();
  }

  /**
   * A record read from MongoDB for a job Redis did not have: kept if it is finished and no change
   * was announced since `mark`.
   */
  keep(record: JobRecord, mark: number): void {
    if (FINISHED_STATES.includes(record.state)) this.copy.keep(record._id, record, mark);
  }

  /** After these records were changed or deleted: every process reads them again. */
  changed(jobIds: string[]): Promise<void> {
    return this.copy.changed(jobIds);
  }

  onApplicationShutdown(): Promise<void> {
    return this.copy.stop();
  }
}
