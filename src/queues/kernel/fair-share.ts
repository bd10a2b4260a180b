import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisClient } from '../../infra/redis/redis-client';
import type { AppConfig } from '../../config/app-config';
import type { RedisKeys } from '../../config/redis-keys';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { bandStart, JobPriority, PRIORITY_VALUES, TURNS_PER_BAND } from '../contracts/job-priority';
import type { QueueName } from '../contracts/queue-names';
import { QueueRegistry } from './queue-registry';

/** BullMQ's score of a prioritised job: priority × 2^32 + arrival counter. */
const SCORE_SPAN = 2 ** 32;

/**
 * KEYS: the queue's prioritised set (BullMQ's), the owners' last turns for this level.
 * ARGV: band start, lowest score of the band, first score past it, owner, '1' for a delayed job.
 * The band's head (the waiting job of this level that runs next) is the current turn: a new job
 * takes it, or its owner's next turn if that is later. Nothing waiting at this level → a new round.
 */
const TAKE_TURN = `
local head = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], '(' .. ARGV[3], 'WITHSCORES', 'LIMIT', 0, 1)
local current = 0
if head[2] then
  current = math.floor(tonumber(head[2]) / ${SCORE_SPAN}) - tonumber(ARGV[1])
else
  redis.call('DEL', KEYS[2])
end
if ARGV[5] == '1' then return current end
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[4]) or '-1')
local turn = math.min(math.max(last + 1, current), ${TURNS_PER_BAND - 1})
redis.call('HSET', KEYS[2], ARGV[4], turn)
return turn
`;

type TakeTurn = (keys: [string, string], ...args: (string | number)[]) => Promise<number>;

/**
 * Fair share within a queue and a priority level: owners take turns (round robin), so one user's
 * hundred videos do not hold back another user's one. A job's turn is max(its owner's previous
 * turn + 1, the level's current turn) — start-time fair queueing with the band's head as the
 * clock — and rides in its BullMQ priority (see job-priority.ts): BullMQ itself then runs turn
 * by turn, arrival order within a turn. An owner's turns only grow, so their own jobs keep their
 * order; a newcomer starts at the current turn, so it waits at most one job per other owner.
 *
 * A delayed job takes the current turn without using one of its owner's: due later, it is
 * already late, and a user's scheduled posts do not push back what they queue now. The owners'
 * turns are one hash per queue and level, cleared whenever that level has nothing waiting; a
 * retried attempt keeps its turn. System jobs (no user) are one owner like any other.
 */
@Injectable()
export class FairShare {
  private readonly keys: RedisKeys;
  private readonly takeTurn: TakeTurn;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly registry: QueueRegistry,
    config: ConfigService<AppConfig, true>,
  ) {
    this.keys = config.get('redisKeys', { infer: true });
    redis.defineCommand('clickTakeTurn', { numberOfKeys: 2, lua: TAKE_TURN });
    const command = (redis as unknown as Record<string, TakeTurn>).clickTakeTurn;
    this.takeTurn = command.bind(redis);
  }

  /** The owner's turn for a new job of this queue and level (one Redis round trip). */
  async turnFor(
    queue: QueueName,
    priority: JobPriority,
    ownerId: string,
    delayed: boolean,
  ): Promise<number> {
    const { keys } = await this.registry.use(queue);
    const start = bandStart(priority);
    return this.takeTurn(
      [keys.prioritized, this.turnsKey(queue, priority)],
      start,
      start * SCORE_SPAN,
      (start + TURNS_PER_BAND) * SCORE_SPAN,
      ownerId,
      delayed ? '1' : '0',
    );
  }

  /** Forgets an owner's turns in every queue (their data is being erased). */
  async forget(ownerId: string): Promise<void> {
    // One call per key: on a Redis Cluster each queue's turns sit in that queue's slot.
    await Promise.all(
      this.registry
        .names()
        .flatMap((queue) =>
          PRIORITY_VALUES.map((level) => this.redis.hdel(this.turnsKey(queue, level), ownerId)),
        ),
    );
  }

  /** Beside the queue's BullMQ keys (one slot on a Cluster): TAKE_TURN reads both. */
  private turnsKey(queue: QueueName, priority: JobPriority): string {
    return `${this.keys.besideQueue('fair', queue)}:${priority}`;
  }
}
