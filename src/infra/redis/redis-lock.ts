import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-client';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Runs `work` only if this process gets the lock `key` (SET NX PX); other processes skip it.
 * The lock expires after `ttlMs` even if its holder dies, and is released only by its holder.
 * Returns undefined when the lock was held elsewhere.
 */
export async function withRedisLock<T>(
  redis: RedisClient,
  key: string,
  ttlMs: number,
  work: () => Promise<T>,
): Promise<T | undefined> {
  const token = randomUUID();
  const acquired = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (acquired !== 'OK') return undefined;
  try {
    return await work();
  } finally {
    await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
  }
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * Like withRedisLock for work of unknown length: the lock lives `leaseMs` and is renewed every
 * third of that while `work` runs, so it outlasts slow work but lapses soon after its holder dies.
 */
export async function withRedisLease<T>(
  redis: RedisClient,
  key: string,
  leaseMs: number,
  work: () => Promise<T>,
): Promise<{ acquired: false } | { acquired: true; value: T }> {
  const token = randomUUID();
  if ((await redis.set(key, token, 'PX', leaseMs, 'NX')) !== 'OK') return { acquired: false };
  const renew = setInterval(
    () => void redis.eval(RENEW, 1, key, token, leaseMs).catch(() => undefined),
    Math.floor(leaseMs / 3),
  );
  try {
    return { acquired: true, value: await work() };
  } finally {
    clearInterval(renew);
    await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
  }
}
