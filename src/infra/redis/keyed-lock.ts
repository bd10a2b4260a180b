import type { RedisClient } from './redis-client';
import { withRedisLock } from './redis-lock';

/** The lock on one document stayed held longer than a read-check-write should take. */
export class KeyedLockBusyError extends Error {
  constructor(key: string) {
    super(`${key} stayed locked; try again`);
    this.name = 'KeyedLockBusyError';
  }
}

/**
 * Compare-and-set for one document without a compound filter (FerretDB scans the collection for
 * `{_id, state}`): the read-check-write runs under a short Redis lock on that document, and a
 * caller that finds the lock held waits a little and tries again.
 */
export async function withKeyedLock<T>(
  redis: RedisClient,
  key: string,
  work: () => Promise<T>,
  { ttlMs = 10_000, waitMs = 5_000 } = {},
): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const done = await withRedisLock(redis, key, ttlMs, async () => ({ value: await work() }));
    if (done) return done.value;
    if (Date.now() > deadline) throw new KeyedLockBusyError(key);
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
  }
}
