import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import type { QueueName } from '../contracts/queue-names';
import { averageFrom, runTimesKey } from '../records/run-times';
import { QueueOperations } from './queue-operations';
import { QueueRegistry } from './queue-registry';
import { estimateStart, QueueLoad, StartEstimate } from './start-estimate';

/** Connected workers are counted with CLIENT LIST (O(clients)): once per queue per this long. */
const WORKERS_FRESH_MS = 5000;
/** Running jobs whose start times are read, at most (a queue's slots, normally far fewer). */
const MAX_ACTIVE_READ = 1000;

/** Where a job stands for an estimate: in line, due later, running (or about to), or gone. */
export type JobPlace = { position: number } | { runAt: number } | 'running' | 'ended';

/**
 * When waiting and delayed jobs should start (see estimateStart): the queue's state in one
 * read-only script call — paused, lengths, rate-limiter window, average run time, the start of
 * each running job — plus its connected workers (cached a few seconds). Keyed reads only.
 */
@Injectable()
export class StartEstimates {
  private readonly prefix: string;
  private readonly workers = new Map<QueueName, { count: number; at: number }>();

  constructor(
    private readonly registry: QueueRegistry,
    private readonly operations: QueueOperations,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    config: ConfigService<AppConfig, true>,
  ) {
    this.prefix = config.get('redisPrefix', { infer: true });
  }

  /** The estimate for one job, or undefined when it is neither waiting in line nor delayed. */
  async of(queue: QueueName, place: JobPlace): Promise<StartEstimate | undefined> {
    if (typeof place === 'string') return undefined;
    return estimateStart(await this.load(queue), place);
  }

  /** Estimates of several jobs of one queue (one queue read for all of them). */
  async ofJobs(
    queue: QueueName,
    jobIds: string[],
  ): Promise<Map<string, StartEstimate | 'running' | 'ended'>> {
    const places = await Promise.all(jobIds.map((id) => this.place(queue, id)));
    const load = places.some((p) => typeof p !== 'string') ? await this.load(queue) : undefined;
    return new Map(
      jobIds.map((id, i) => {
        const place = places[i];
        return [id, typeof place === 'string' ? place : estimateStart(load!, place)];
      }),
    );
  }

  /** Whether the job is in line (and where), delayed (until when), running, or no longer there. */
  async place(queue: QueueName, jobId: string): Promise<JobPlace> {
    const position = await this.operations.position(queue, jobId);
    if (position !== undefined) return { position };
    const bullQueue = await this.registry.use(queue);
    const [[timestamp, delay, finishedOn], delayedScore] = await Promise.all([
      this.redis.hmget(bullQueue.toKey(jobId), 'timestamp', 'delay', 'finishedOn'),
      this.redis.zscore(bullQueue.keys.delayed, jobId),
    ]);
    if (delayedScore !== null) return { runAt: Number(timestamp) + Number(delay ?? 0) };
    return timestamp === null || finishedOn !== null ? 'ended' : 'running';
  }

  async load(queue: QueueName): Promise<QueueLoad> {
    const bullQueue = await this.registry.use(queue);
    const spec = this.registry.spec(queue);
    const workers = await this.workerCount(queue);
    const { keys } = bullQueue;
    const reply = (await this.redis.eval(
      QUEUE_LOAD,
      6,
      keys.meta,
      keys.active,
      keys.wait,
      keys.prioritized,
      keys.limiter,
      runTimesKey(this.prefix, queue),
      keys[''],
      Math.min(MAX_ACTIVE_READ, Math.max(1, workers * spec.concurrency)),
    )) as [number, number, number, string | null, number, string | null, ...(string | null)[]];
    const [paused, waiting, prioritized, used, resetsInMs, average, ...starts] = reply;
    const now = Date.now();
    return {
      now,
      paused: paused === 1,
      slots: workers * spec.concurrency,
      averageMs: averageFrom(average),
      activeElapsedMs: starts
        .map(Number)
        .filter((start) => start > 0)
        .map((start) => Math.max(0, now - start)),
      waiting: waiting + prioritized,
      rateLimit: spec.rateLimit,
      limiter: { used: Number(used ?? 0), resetsInMs: Math.max(0, resetsInMs) },
    };
  }

  private async workerCount(queue: QueueName): Promise<number> {
    const known = this.workers.get(queue);
    if (known && Date.now() - known.at < WORKERS_FRESH_MS) return known.count;
    const count = await (await this.registry.use(queue)).getWorkersCount();
    this.workers.set(queue, { count, at: Date.now() });
    return count;
  }
}

/**
 * A queue's load in one call. KEYS: meta, active, wait, prioritized, limiter, run times;
 * ARGV: the queue's job key prefix, how many running jobs to read. Returns paused (0/1), wait
 * length, prioritised count, limiter count, limiter PTTL, average run time, then processedOn of
 * each running job read.
 */
const QUEUE_LOAD = `
local out = {
  redis.call('hexists', KEYS[1], 'paused'),
  redis.call('llen', KEYS[3]),
  redis.call('zcard', KEYS[4]),
  redis.call('get', KEYS[5]),
  redis.call('pttl', KEYS[5]),
  redis.call('hget', KEYS[6], 'averageMs'),
}
for _, id in ipairs(redis.call('lrange', KEYS[2], 0, tonumber(ARGV[2]) - 1)) do
  table.insert(out, redis.call('hget', ARGV[1] .. id, 'processedOn') or '0')
end
return out`;
