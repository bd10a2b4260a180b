import type { RedisOptions as BullRedisOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { RedisConfig } from '../../config/redis-config';

/** Reconnect quickly (at most every 2 s) so the app recovers soon after Redis comes back. */
const reconnectDelay = (attempt: number): number => Math.min(200 * attempt, 2000);

function base(redis: RedisConfig): RedisOptions {
  return {
    host: redis.host,
    port: redis.port,
    username: redis.username,
    password: redis.password,
    db: redis.db,
    tls: redis.tls ? {} : undefined,
    retryStrategy: reconnectDelay,
    connectTimeout: 5000,
  };
}

/**
 * For connections on the HTTP path (producers, health, locks): a command fails at once while
 * Redis is unreachable instead of queueing up and hanging the request.
 */
export function failFastRedisOptions(redis: RedisConfig): RedisOptions {
  return { ...base(redis), enableOfflineQueue: false, maxRetriesPerRequest: 1 };
}

/**
 * For BullMQ workers and subscribers: commands wait through an outage (BullMQ requires
 * maxRetriesPerRequest: null for its blocking connection).
 */
export function patientRedisOptions(redis: RedisConfig): RedisOptions {
  return { ...base(redis), maxRetriesPerRequest: null };
}

/** The same options, typed for BullMQ (its RedisOptions is its own, looser copy of ioredis's). */
export function forBullMQ(options: RedisOptions): BullRedisOptions {
  return options as BullRedisOptions;
}
