import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { Metrics } from '../infra/metrics/metrics';
import { withRedisLease } from '../infra/redis/redis-lock';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { MaintenanceTasks } from './maintenance-tasks';
import { TaskBusyError, TaskName } from './maintenance-task';
import { QueueUnavailableError } from '../queues';

export type TaskTrigger = 'cron' | 'catch-up' | 'manual';

export interface TaskRun {
  task: TaskName;
  trigger: TaskTrigger;
  /** The cron slot this run belongs to (cron and catch-up runs). */
  slot?: string;
  instance: string;
  startedAt: string;
  finishedAt: string;
  /** skipped: the tick came while a run of the task was still going (that run covers it). */
  outcome: 'ok' | 'failed' | 'skipped';
  report?: Record<string, unknown>;
  error?: string;
}

/** A running task holds its lock this long past its last renewal (renewed every 10 s). */
const LEASE_MS = 30_000;
/** Tick claims are kept two days: long enough that no instance can claim a tick twice. */
const TICK_KEEP_MS = 48 * 3_600_000;
const HISTORY_LENGTH = 100;
/** A claim this recent is left alone by catch-up: its instance may be taking the lease now. */
const CATCH_UP_AFTER_MS = 5_000;

const SET_IF = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) else return 0 end`;

/**
 * Runs maintenance tasks exactly once per cron tick across every instance of the app:
 * - each tick is claimed with SET NX on a key named after the task and its slot (the scheduled
 *   time, see cronSlot), so only the first instance to fire runs it; the claim says `running:<id>`
 *   until the run ends, then `done:<id>`;
 * - a run holds the task's lease lock (renewed while it works), so runs of one task never overlap,
 *   whether started by a cron or by an admin;
 * - claimed ticks are listed until they end; if the instance running one dies, its lease lapses
 *   within 30 s and a later tick of any instance finds the claim still `running` with no lease
 *   and runs that tick (catch-up), so every tick runs to its end once;
 * - a tick that comes while a run of the task is still going is skipped (that run covers it).
 * Every run and skipped tick is kept in a short history list that the admin API shows.
 */
@Injectable()
export class TaskRunner {
  readonly instance = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly prefix: string;
  private readonly logger = new Logger('Maintenance');

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly tasks: MaintenanceTasks,
    config: ConfigService<AppConfig, true>,
    private readonly metrics: Metrics,
  ) {
    this.prefix = `${config.get('redisPrefix', { infer: true })}:maintenance`;
  }

  /** A cron firing: runs the tick here only if no other instance has claimed it. */
  async runTick(task: TaskName, slot: Date): Promise<TaskRun | undefined> {
    const tick = this.tickKey(task, slot);
    const mine = `running:${this.instance}`;
    if ((await this.redis.set(tick, mine, 'PX', TICK_KEEP_MS, 'NX')) !== 'OK') return undefined;
    const now = Date.now();
    await this.redis
      .multi()
      .zadd(this.openTicksKey(task), now, tick)
      .zremrangebyscore(this.openTicksKey(task), '-inf', now - TICK_KEEP_MS)
      .exec();
    const run = await this.runExclusive(task, 'cron', tick);
    if (run) return run;
    // A manual run, a catch-up or a slow earlier tick holds the task: that run covers this tick.
    if (await this.redis.eval(SET_IF, 1, tick, mine, 'skipped:busy', TICK_KEEP_MS)) {
      const at = new Date().toISOString();
      await this.ended(task, tick, {
        ...this.runBase(task, 'cron', tick, at),
        finishedAt: at,
        outcome: 'skipped',
      });
      this.logger.warn(`${task}: tick ${slot.toISOString()} skipped, the task is still running`);
    }
    return undefined;
  }

  /**
   * Runs the oldest tick of `task` whose instance died half-way (its claim still says running,
   * nobody holds the task's lease). Ticks that ended are taken off the list on the way.
   */
  async catchUp(task: TaskName): Promise<TaskRun | undefined> {
    const open = this.openTicksKey(task);
    const ticks = await this.redis.zrangebyscore(
      open,
      '-inf',
      Date.now() - CATCH_UP_AFTER_MS,
      'LIMIT',
      0,
      10,
    );
    for (const tick of ticks) {
      if (!(await this.isRunning(tick))) {
        await this.redis.zrem(open, tick);
        continue;
      }
      if (await this.redis.exists(this.lockKey(task))) return undefined;
      return this.runExclusive(task, 'catch-up', tick);
    }
    return undefined;
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
    tick?: string,
  ): Promise<TaskRun | undefined> {
    const lease = await withRedisLease(this.redis, this.lockKey(task), LEASE_MS, async () => {
      const mine = `running:${this.instance}`;
      if (trigger === 'catch-up') {
        // Under the lock, and only from the dead holder's claim: a catch-up racing the tick's own
        // end (or another catch-up) finds `done` or a live claim and runs nothing.
        const claim = await this.redis.get(tick!);
        if (!claim?.startsWith('running:')) return undefined;
        if (!(await this.redis.eval(SET_IF, 1, tick!, claim, mine, TICK_KEEP_MS))) return undefined;
      }
      const run = await this.execute(task, trigger, tick);
      // Only a claim still ours becomes done; anything else means another instance took over.
      if (tick) await this.redis.eval(SET_IF, 1, tick, mine, `done:${this.instance}`, TICK_KEEP_MS);
      await this.ended(task, tick, run);
      return run;
    });
    return lease.acquired ? lease.value : undefined;
  }

  /** The run (or skipped tick) goes into the history; its tick leaves the open list. */
  private async ended(task: TaskName, tick: string | undefined, run: TaskRun): Promise<void> {
    this.metrics.taskRuns.inc({ task, trigger: run.trigger, outcome: run.outcome });
    if (run.outcome !== 'skipped')
      this.metrics.taskDuration.observe(
        { task },
        (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000,
      );
    const multi = this.redis
      .multi()
      .lpush(this.historyKey(), JSON.stringify(run))
      .ltrim(this.historyKey(), 0, HISTORY_LENGTH - 1);
    if (tick) multi.zrem(this.openTicksKey(task), tick);
    await multi.exec();
  }

  private runBase(task: TaskName, trigger: TaskTrigger, tick: string | undefined, at: string) {
    return {
      task,
      trigger,
      slot: tick?.slice(tick.lastIndexOf(':tick:') + ':tick:'.length),
      instance: this.instance,
      startedAt: at,
    };
  }

  private async execute(task: TaskName, trigger: TaskTrigger, tick?: string): Promise<TaskRun> {
    const startedAt = new Date();
    const base = this.runBase(task, trigger, tick, startedAt.toISOString());
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

  private async isRunning(tick: string): Promise<boolean> {
    return (await this.redis.get(tick))?.startsWith('running:') ?? false;
  }

  private tickKey(task: TaskName, slot: Date): string {
    return `${this.prefix}:${task}:tick:${slot.toISOString()}`;
  }

  /** Claimed ticks not ended yet (ZSET by claim time): where catch-up looks. */
  private openTicksKey(task: TaskName): string {
    return `${this.prefix}:${task}:open-ticks`;
  }

  private lockKey(task: TaskName): string {
    return `${this.prefix}:${task}:lock`;
  }

  private historyKey(): string {
    return `${this.prefix}:runs`;
  }
}
