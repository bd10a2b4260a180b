import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config';
import type { RedisClient } from '../../infra/redis/redis-client';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import type { QueueName } from '../contracts/queue-names';

export interface TrackedDeadline {
  queue: QueueName;
  jobId: string;
  deadline: Date;
}

/**
 * The jobs that have a start deadline, by deadline: one sorted set (`<base>:start-deadlines`,
 * `<queue>/<jobId>` → deadline in ms), written when such a job is added (a job without one costs
 * nothing) and read by the expiry sweep, which drops each entry once it has looked at its job.
 * An entry is a hint, not the truth: a job whose entry is lost (Redis lost it) still ends
 * `expired` when a worker takes it past its deadline; an entry whose job already ended is
 * dropped when its deadline comes.
 */
@Injectable()
export class StartDeadlines {
  private readonly key: string;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<AppConfig, true>,
  ) {
    this.key = `${config.get('redisKeys', { infer: true }).base}:start-deadlines`;
  }

  async track(queue: QueueName, jobId: string, deadline: Date): Promise<void> {
    await this.redis.zadd(this.key, deadline.getTime(), member(queue, jobId));
  }

  /** Entries whose deadline is before `now`, soonest first, at most `limit`. */
  async passed(now: number, limit: number): Promise<TrackedDeadline[]> {
    const flat = await this.redis.zrangebyscore(
      this.key,
      '-inf',
      `(${now}`,
      'WITHSCORES',
      'LIMIT',
      0,
      limit,
    );
    const out: TrackedDeadline[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const [queue, jobId] = flat[i].split('/');
      out.push({ queue, jobId, deadline: new Date(Number(flat[i + 1])) });
    }
    return out;
  }

  async drop(entries: TrackedDeadline[]): Promise<void> {
    if (entries.length)
      await this.redis.zrem(this.key, ...entries.map((e) => member(e.queue, e.jobId)));
  }
}

/** Queue names and job ids hold no `/` (isValidJobId, queue-name rules). */
function member(queue: QueueName, jobId: string): string {
  return `${queue}/${jobId}`;
}
