import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisClient } from '../infra/redis/redis-client';
import type { AppConfig } from '../config/app-config';
import { Metrics } from '../infra/metrics/metrics';
import { withRedisLease } from '../infra/redis/redis-lock';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { MaintenanceTasks } from './maintenance-tasks';
import { TickLedger } from './tick-ledger';
import { TaskBusyError, TaskName, type TaskRun, type TaskTrigger } from './maintenance-task';
import { QueueUnavailableError } from '../queues';

export type { TaskRun, TaskTrigger };

/** A running task holds its lock this long past its last renewal (renewed every 10 s). */
const LEASE_MS = 30_000;
const HISTORY_LENGTH = 100;

/**
 * Runs maintenance tasks, each under its task's lease lock (renewed while it works), so runs of
 * one task never overlap, whether a cron's tick or an admin started it; keeps every run in a
 * short history list that the admin API shows. That each tick runs once across instances, and
 * again elsewhere if its instance dies, is BullMQ's doing (see MAINTENANCE_QUEUE); the TickLedger
 * keeps it once across a Redis failover that lost a tick's job after it ran.
 */
@Injectable()
export class TaskRunner {
  readonly instance = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly prefix: string;
  private readonly logger = new Logger('Maintenance');

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly tasks: MaintenanceTasks,
    private readonly ledger: TickLedger,
    config: ConfigService<AppConfig, true>,
    private readonly metrics: Metrics,
  ) {
    this.prefix = `${config.get('redisKeys', { infer: true }).base}:maintenance`;
  }

  /**
   * A tick's job: runs the task for `slot`, or, while a run of the task is going (a manual run,
   * a slow earlier tick), records the tick skipped. A tick run again after its worker died may
   * find that dead run's lease still held (until it lapses): it is not skipped, the caller waits
   * (undefined).
   */
  async runTick(task: TaskName, slot: string, afterStall = false): Promise<TaskRun | undefined> {
    const run = await this.runExclusive(task, 'cron', slot);
    if (run || afterStall) return run;
    const at = new Date().toISOString();
    const skipped: TaskRun = {
      ...this.runBase(task, 'cron', slot, at),
      finishedAt: at,
      outcome: 'skipped',
    };
    await this.ended(skipped);
    this.logger.warn(`${task}: tick ${slot} skipped, the task is still running`);
    return skipped;
  }

  /** An admin's run: now, unless the task is running somewhere (TaskBusyError). */
  async runNow(task: string): Promise<TaskRun> {
    const name = this.tasks.get(task).name;
    // Task failures are reported in the run; what escapes is Redis being away (503, not 500).
    const run = await this.runExclusive(name, 'manual').catch((error: unknown) => {
      throw new QueueUnavailableError(error);
    });
    if (!run) throw new TaskBusyError(task);
    return run;
  }

  /** Newest first. */
  async history(): Promise<TaskRun[]> {
    const items = await this.redis
      .lrange(this.historyKey(), 0, HISTORY_LENGTH - 1)
      .catch((error: unknown) => {
        throw new QueueUnavailableError(error);
      });
    return items.map((item) => JSON.parse(item) as TaskRun);
  }

  private async runExclusive(
    task: TaskName,
    trigger: TaskTrigger,
    slot?: string,
  ): Promise<TaskRun | undefined> {
    const lease = await withRedisLease(this.redis, this.lockKey(task), LEASE_MS, async () => {
      const earlier = slot ? await this.ledger.ran(task, slot) : undefined;
      if (earlier) return this.alreadyRan(earlier);
      const run = await this.execute(task, trigger, slot);
      // The ledger before the history: a crash in between must not let the tick run again.
      if (slot && run.outcome === 'ok') await this.ledger.record(run);
      await this.ended(run);
      return run;
    });
    return lease.acquired ? lease.value : undefined;
  }

  /**
   * The tick ran already (its run is in the ledger): not again. Its run goes into the history if
   * it is not there (the instance that ran it may have died before writing it).
   */
  private async alreadyRan(earlier: TaskRun): Promise<TaskRun> {
    const { task, slot } = earlier;
    const at = new Date().toISOString();
    this.metrics.taskRuns.inc({ task, trigger: 'cron', outcome: 'already-ran' });
    this.logger.warn(`${task}: tick ${slot} came back after it ran; not run again`);
    const kept = await this.history();
    if (!kept.some((run) => run.slot === slot && run.startedAt === earlier.startedAt))
      await this.remember(earlier);
    return { ...this.runBase(task, 'cron', slot, at), finishedAt: at, outcome: 'already-ran' };
  }

  /** The run (or skipped tick) goes into the history. */
  private async ended(run: TaskRun): Promise<void> {
    const { task } = run;
    this.metrics.taskRuns.inc({ task, trigger: run.trigger, outcome: run.outcome });
    if (run.outcome !== 'skipped')
      this.metrics.taskDuration.observe(
        { task },
        (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000,
      );
    await this.remember(run);
  }

  private async remember(run: TaskRun): Promise<void> {
    await this.redis
      .multi()
      .lpush(this.historyKey(), JSON.stringify(run))
      .ltrim(this.historyKey(), 0, HISTORY_LENGTH - 1)
      .exec();
  }

  private runBase(task: TaskName, trigger: TaskTrigger, slot: string | undefined, at: string) {
    return {
      task,
      trigger,
      slot,
      instance: this.instance,
      startedAt: at,
    };
  }

  private async execute(task: TaskName, trigger: TaskTrigger, slot?: string): Promise<TaskRun> {
    const startedAt = new Date();
    const base = this.runBase(task, trigger, slot, startedAt.toISOString());
    try {
      const report = await this.tasks.get(task).run();
      const line = `${task} (${trigger}) done in ${Date.now() - startedAt.getTime()} ms`;
      // Routine ticks (every minute, forever) at debug; runs an admin asked for stay visible.
      if (trigger === 'cron') this.logger.debug(line);
      else this.logger.log(line);
      return { ...base, finishedAt: new Date().toISOString(), outcome: 'ok', report };
    } catch (error) {
      const message = (error as Error).message;
      this.logger.error(`${task} (${trigger}) failed: ${message}`);
      return { ...base, finishedAt: new Date().toISOString(), outcome: 'failed', error: message };
    }
  }

  private lockKey(task: TaskName): string {
    return `${this.prefix}:${task}:lock`;
  }

  private historyKey(): string {
    return `${this.prefix}:runs`;
  }
}
