import Redis from 'ioredis';
import type { RedisConfig } from '../../config/redis-config';
import { patientRedisOptions } from './redis-options';

/** Deletes every key under `prefix:` (a test's or a benchmark's whole namespace), in batches. */
export async function deleteKeysWithPrefix(
  redisConfig: RedisConfig,
  prefix: string,
): Promise<void> {
  const redis = new Redis(patientRedisOptions(redisConfig));
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
