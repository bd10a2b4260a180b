import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisClient } from '../../infra/redis/redis-client';
import type { AppConfig } from '../../config/app-config';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import type { QueueName } from '../contracts/queue-names';
import { averageFrom, runTimesKey } from '../records/run-times';
import { QueueRegistry } from './queue-registry';
import { estimateStart, QueueLoad, StartEstimate } from './start-estimate';

/** Connected workers are counted with CLIENT LIST (O(clients)): once per queue per this long. */
const WORKERS_FRESH_MS = 5000;
/** Running jobs whose start times are read, at most (a queue's slots, normally far fewer). */
const MAX_ACTIVE_READ = 1000;

/** Where a job stands: in line (1 = next), delayed until a time, running (or about to), or gone. */
export type JobPlace = { position: number } | { runAt: number } | 'running' | 'ended';

export interface PlacedEstimate {
  place: JobPlace;
  /** For a job in line or delayed only. */
  estimate?: StartEstimate;
}

/**
 * When waiting and delayed jobs should start (see estimateStart). The jobs' places and the
 * queue's state — paused, lengths, rate-limiter window, average run time, the start of each
 * running job — come from one read-only script call over the queue's keys, so they are one
 * moment's; the average run time beside it; the connected workers from BullMQ's count, cached a
 * few seconds. Keyed reads only.
 */
@Injectable()
export class StartEstimates {
  private readonly prefix: string;
  private readonly workers = new Map<QueueName, { count: number; at: number }>();

  constructor(
    private readonly registry: QueueRegistry,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<AppConfig, true>,
  ) {
    this.prefix = config.get('redisKeys', { infer: true }).base;
  }

  async of(queue: QueueName, jobId: string): Promise<PlacedEstimate> {
    return (await this.ofJobs(queue, [jobId])).get(jobId)!;
  }

  /** Several jobs of one queue, in one call. */
  async ofJobs(queue: QueueName, jobIds: string[]): Promise<Map<string, PlacedEstimate>> {
    const bullQueue = await this.registry.use(queue);
    const spec = this.registry.spec(queue);
    const workers = await this.workerCount(queue);
    const { keys } = bullQueue;
    // Two reads, both of this queue's keys only (one slot on a Redis Cluster): the running jobs'
    // ids, then one script over the queue's state with every job hash it reads declared. A job
    // that starts between them is in neither the running list nor the line: never counted twice.
    const runningIds = await this.redis.lrange(
      keys.active,
      0,
      Math.min(MAX_ACTIVE_READ, Math.max(1, workers * spec.concurrency)) - 1,
    );
    const jobKeys = [...runningIds, ...jobIds].map((id) => bullQueue.toKey(id));
    const [reply, average] = await Promise.all([
      this.redis.eval(
        QUEUE_LOAD,
        6 + jobKeys.length,
        keys.meta,
        keys.active,
        keys.wait,
        keys.prioritized,
        keys.limiter,
        keys.delayed,
        ...jobKeys,
        runningIds.length,
        ...jobIds,
      ) as Promise<[number, number, number, string | null, number, ...unknown[]]>,
      this.redis.hget(runTimesKey(this.prefix, queue), 'averageMs'),
    ]);
    const [paused, waiting, prioritized, used, resetsInMs] = reply;
    const running = runningIds.length;
    const starts = reply.slice(5, 5 + running).map(Number);
    const places = reply.slice(5 + running) as [string, number | null][];
    const now = Date.now();
    const load: QueueLoad = {
      now,
      paused: paused === 1,
      slots: workers * spec.concurrency,
      averageMs: averageFrom(average),
      activeElapsedMs: starts.filter((start) => start > 0).map((start) => Math.max(0, now - start)),
      waiting: waiting + prioritized,
      rateLimit: spec.rateLimit,
      limiter: { used: Number(used ?? 0), resetsInMs: Math.max(0, resetsInMs) },
    };
    return new Map(
      jobIds.map((id, i) => {
        const place = toPlace(places[i]);
        return [
          id,
          { place, estimate: typeof place === 'string' ? undefined : estimateStart(load, place) },
        ];
      }),
    );
  }

  private async workerCount(queue: QueueName): Promise<number> {
    const known = this.workers.get(queue);
    if (known && Date.now() - known.at < WORKERS_FRESH_MS) return known.count;
    const count = await (await this.registry.use(queue)).getWorkersCount();
    this.workers.set(queue, { count, at: Date.now() });
    return count;
  }
}

function toPlace([kind, value]: [string, number | null]): JobPlace {
  if (kind === 'position') return { position: Number(value) };
  if (kind === 'delayed') return { runAt: Number(value) };
  return kind === 'running' ? 'running' : 'ended';
}

/**
 * A queue's load and some of its jobs' places in one call. KEYS: meta, active, wait, prioritized,
 * limiter, delayed, then the hashes of the running jobs read before and of the asked jobs;
 * ARGV: how many running jobs' hashes, then the asked job ids. Returns paused (0/1), wait length,
 * prioritised count, limiter count, limiter PTTL, the running jobs' processedOn, then per asked
 * job {kind, value}. The place in line is QueueOperations.position's: the wait list (consumed
 * from its right end) before the prioritised set.
 */
const QUEUE_LOAD = `
local waiting = redis.call('llen', KEYS[3])
local out = {
  redis.call('hexists', KEYS[1], 'paused'),
  waiting,
  redis.call('zcard', KEYS[4]),
  redis.call('get', KEYS[5]),
  redis.call('pttl', KEYS[5]),
}
local running = tonumber(ARGV[1])
for k = 7, 6 + running do
  table.insert(out, redis.call('hget', KEYS[k], 'processedOn') or '0')
end
for i = 2, #ARGV do
  local id = ARGV[i]
  local job = KEYS[5 + running + i]
  local place
  local index = redis.call('lpos', KEYS[3], id)
  if index then
    place = {'position', waiting - index}
  else
    local rank = redis.call('zrank', KEYS[4], id)
    if rank then
      place = {'position', waiting + rank + 1}
    elseif redis.call('zscore', KEYS[6], id) then
      local fields = redis.call('hmget', job, 'timestamp', 'delay')
      place = {'delayed', (tonumber(fields[1]) or 0) + (tonumber(fields[2]) or 0)}
    else
      local fields = redis.call('hmget', job, 'timestamp', 'finishedOn')
      place = {(fields[1] and not fields[2]) and 'running' or 'ended', false}
    end
  end
  table.insert(out, place)
end
return out`;
