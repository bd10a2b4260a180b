import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Cron, SchedulerRegistry } from '@nestjs/schedule';
import { CronTime } from 'cron';
import { AppConfig, runsWorkers } from '../config/app-config';
import { cronSlot } from './cron-slot';
import type { TaskName } from './maintenance-task';
import { MAINTENANCE_QUEUE, TICK_JOB_OPTIONS, TickData, tickJobId } from './maintenance-queue';

export interface CronEntry {
  task: TaskName;
  expression: string;
  timeZone: string;
}

/**
 * The crons (every minute: the scheduled-posts sweep and the deadline sweep; 2 AM: the cleanup),
 * declared with @Cron on the tick methods below. A decorator's arguments are fixed at import time, so each is declared
 * disabled with its default schedule, and at start-up worker roles apply the validated
 * CRON_* / CRON_TZ settings to the named job and start it; worker-less roles leave it off.
 * Every instance fires, and each tick adds one job named by its task and slot to the maintenance
 * queue: BullMQ keeps one job per id, so the tick runs once, on whichever worker takes it.
 */
@Injectable()
export class CronSchedule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Cron');
  private readonly inFlight = new Set<Promise<unknown>>();
  readonly entries: CronEntry[];
  private readonly enabled: boolean;

  constructor(
    private readonly registry: SchedulerRegistry,
    @InjectQueue(MAINTENANCE_QUEUE) private readonly ticks: Queue<TickData>,
    config: ConfigService<AppConfig, true>,
  ) {
    const scheduler = config.get('scheduler', { infer: true });
    const timeZone = scheduler.timeZone;
    this.entries = [
      { task: 'scheduled-posts', expression: scheduler.scheduledPostsCron, timeZone },
      { task: 'cleanup', expression: scheduler.cleanupCron, timeZone },
      { task: 'deadlines', expression: scheduler.deadlinesCron, timeZone },
    ];
    this.enabled = runsWorkers(config.get('role', { infer: true }));
  }

  @Cron('* * * * *', { name: 'scheduled-posts', disabled: true })
  scheduledPostsTick(): void {
    this.fire(this.entry('scheduled-posts'));
  }

  @Cron('0 2 * * *', { name: 'cleanup', disabled: true })
  cleanupTick(): void {
    this.fire(this.entry('cleanup'));
  }

  @Cron('* * * * *', { name: 'deadlines', disabled: true })
  deadlinesTick(): void {
    this.fire(this.entry('deadlines'));
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    for (const entry of this.entries) {
      const job = this.registry.getCronJob(entry.task);
      job.setTime(new CronTime(entry.expression, entry.timeZone));
      job.start();
    }
    this.logger.log(
      `crons: ${this.entries.map((e) => `${e.task} "${e.expression}"`).join(', ')} (${this.entries[0].timeZone})`,
    );
  }

  private entry(task: TaskName): CronEntry {
    return this.entries.find((e) => e.task === task)!;
  }

  private fire(entry: CronEntry): void {
    const slot = cronSlot(entry.expression, entry.timeZone, new Date());
    if (!slot) return void this.logger.warn(`${entry.task} fired off its schedule; skipped`);
    const work = this.ticks
      .add(
        entry.task,
        { slot: slot.toISOString() },
        { ...TICK_JOB_OPTIONS, jobId: tickJobId(entry.task, slot) },
      )
      .catch((error: Error) => this.logger.warn(`${entry.task} tick not run: ${error.message}`))
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  /** Stops the clocks and lets the last ticks reach the queue. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const entry of this.entries) {
      if (this.registry.doesExist('cron', entry.task))
        void this.registry.getCronJob(entry.task).stop();
    }
    await Promise.all(this.inFlight);
  }
}
