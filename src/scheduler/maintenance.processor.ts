import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, type Job } from 'bullmq';
import { MAINTENANCE_QUEUE, TickData } from './maintenance-queue';
import type { TaskName } from './maintenance-task';
import { TaskRun, TaskRunner } from './task-runner.service';

/**
 * Runs the crons' ticks (one job per tick, see MAINTENANCE_QUEUE) in the roles that run workers.
 * Thin: the runner holds the task's lease and keeps the history. A run that failed is thrown, so
 * BullMQ retries it with backoff; a tick that came while its task was running elsewhere is
 * `skipped` (that run covers it) and completes.
 */
/** How often a tick run again after a worker died asks for the dead run's lease. */
const LEASE_RETRY_MS = 2000;

@Processor(MAINTENANCE_QUEUE, { concurrency: 3 })
export class MaintenanceProcessor extends WorkerHost {
  constructor(private readonly runner: TaskRunner) {
    super();
  }

  async process(job: Job<TickData>, token?: string): Promise<TaskRun> {
    // Run again by the stall check: the dead run's lease may still be held; wait for it to lapse.
    const run = await this.runner.runTick(
      job.name as TaskName,
      job.data.slot,
      job.stalledCounter > 0,
    );
    if (!run) {
      await job.moveToDelayed(Date.now() + LEASE_RETRY_MS, token);
      throw new DelayedError();
    }
    if (run.outcome === 'failed') throw new Error(run.error ?? `${job.name} failed`);
    return run;
  }
}
