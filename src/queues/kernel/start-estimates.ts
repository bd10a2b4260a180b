import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
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
 * running job — come from one read-only script call, so they are one moment's (a job that starts
 * between two reads would otherwise be counted twice); the connected workers from BullMQ's count,
 * cached a few seconds. Keyed reads only.
 */
@Injectable()
export class StartEstimates {
  private readonly prefix: string;
  private readonly workers = new Map<QueueName, { count: number; at: number }>();

  constructor(
    private readonly registry: QueueRegistry,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    config: ConfigService<AppConfig, true>,
  ) {
    this.prefix = config.get('redisPrefix', { infer: true });
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
    const reply = (await this.redis.eval(
      QUEUE_LOAD,
      7,
      keys.meta,
      keys.active,
      keys.wait,
      keys.prioritized,
      keys.limiter,
      runTimesKey(this.prefix, queue),
      keys.delayed,
      keys[''],
      Math.min(MAX_ACTIVE_READ, Math.max(1, workers * spec.concurrency)),
      ...jobIds,
    )) as [number, number, number, string | null, number, string | null, number, ...unknown[]];
    const [paused, waiting, prioritized, used, resetsInMs, average, running] = reply;
    const starts = reply.slice(7, 7 + running).map(Number);
    const places = reply.slice(7 + running) as [string, number | null][];
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
 * limiter, run times, delayed; ARGV: the job key prefix, how many running jobs to read, job ids.
 * Returns paused (0/1), wait length, prioritised count, limiter count, limiter PTTL, average run
 * time, the number of running jobs read and their processedOn, then per job {kind, value}. The
 * place in line is QueueOperations.position's: the wait list (consumed from its right end) before
 * the prioritised set.
 */
const QUEUE_LOAD = `
local waiting = redis.call('llen', KEYS[3])
local out = {
  redis.call('hexists', KEYS[1], 'paused'),
  waiting,
  redis.call('zcard', KEYS[4]),
  redis.call('get', KEYS[5]),
  redis.call('pttl', KEYS[5]),
  redis.call('hget', KEYS[6], 'averageMs'),
}
local running = redis.call('lrange', KEYS[2], 0, tonumber(ARGV[2]) - 1)
table.insert(out, #running)
for _, id in ipairs(running) do
  table.insert(out, redis.call('hget', ARGV[1] .. id, 'processedOn') or '0')
end
for i = 3, #ARGV do
  local id = ARGV[i]
  local place
  local index = redis.call('lpos', KEYS[3], id)
  if index then
    place = {'position', waiting - index}
  else
    local rank = redis.call('zrank', KEYS[4], id)
    if rank then
      place = {'position', waiting + rank + 1}
    elseif redis.call('zscore', KEYS[7], id) then
      local job = redis.call('hmget', ARGV[1] .. id, 'timestamp', 'delay')
      place = {'delayed', (tonumber(job[1]) or 0) + (tonumber(job[2]) or 0)}
    else
      local job = redis.call('hmget', ARGV[1] .. id, 'timestamp', 'finishedOn')
      place = {(job[1] and not job[2]) and 'running' or 'ended', false}
    end
  end
  table.insert(out, place)
end
return out`;
