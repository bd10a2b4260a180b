import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config';
import type { SchedulerConfig } from '../../config/scheduler-config';
import type { MaintenanceTask } from '../maintenance-task';
import { removeStaleEntries } from './stale-files';
import { JobIntents, JobRecordsService, QueueOperations } from '../../queues';
import { StorageSweep } from '../../media/storage-sweep';

/** The media jobs' scratch folders (MediaFiles); nothing else in TEMP_DIR is touched. */
const SCRATCH_PREFIX = 'job-';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The nightly cleanup: finished jobs past their Redis retention (completed 24 h, failed 7 days) in
 * every queue, job records past their MongoDB retention, the intents of recorded jobs,
 * temporary files older than a day, and stored files no content names (StorageSweep).
 * BullMQ's removeOnComplete/removeOnFail already drop most jobs; this catches the rest.
 */
@Injectable()
export class DailyCleanup implements MaintenanceTask {
  readonly name = 'cleanup' as const;
  readonly description =
    'Remove finished jobs past retention from Redis, expired job records, stale temp files and stored files no content names';
  private readonly logger = new Logger('DailyCleanup');
  private readonly scheduler: SchedulerConfig;

  constructor(
    private readonly operations: QueueOperations,
    private readonly records: JobRecordsService,
    private readonly intents: JobIntents,
    private readonly storage: StorageSweep,
    config: ConfigService<AppConfig, true>,
  ) {
    this.scheduler = config.get('scheduler', { infer: true });
  }

  async run(): Promise<Record<string, unknown>> {
    const queues = await this.operations.clean();
    const jobRecords = await this.records.prune();
    // Intents of jobs that have their final record; a day old at least (their jobs long queued).
    const jobIntents = await this.intents.prune(
      (ids) => this.records.recorded(ids),
      new Date(Date.now() - DAY_MS),
    );
    const tempFiles = await removeStaleEntries(
      this.scheduler.tempDir,
      SCRATCH_PREFIX,
      this.scheduler.tempMaxAgeMs,
    );
    const storedFiles = await this.storage.run();
    const completed = Object.values(queues).reduce((sum, q) => sum + q.completed, 0);
    const failed = Object.values(queues).reduce((sum, q) => sum + q.failed, 0);
    this.logger.log(
      `removed ${completed} completed and ${failed} failed jobs from Redis, ${jobRecords} job records, ${tempFiles} temp files, ${storedFiles.uploads.removed + storedFiles.media.removed} stored files no content names`,
    );
    return { queues, jobRecords, jobIntents, tempFiles, storedFiles };
  }
}
