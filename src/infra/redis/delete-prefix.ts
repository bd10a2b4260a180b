import type { RedisConfig } from '../../config/redis-config';
import { keyPatterns } from '../../config/redis-keys';
import { createRedisClient, masters, scanKeys } from './redis-client';

/** Deletes every key of the `prefix` namespace (a test's or a benchmark's), in batches. */
export async function deleteKeysWithPrefix(
  redisConfig: RedisConfig,
  prefix: string,
): Promise<void> {
  await deleteKeysMatching(redisConfig, keyPatterns(prefix, redisConfig.topology === 'cluster'));
}

/** Deletes every key matching one of `patterns` (SCAN MATCH globs), on every master. */
export async function deleteKeysMatching(
  redisConfig: RedisConfig,
  patterns: string[],
): Promise<void> {
  const redis = createRedisClient(redisConfig, { name: 'click-api:cleanup', patience: 'patient' });
  redis.on('error', () => undefined); // retried; a clean-up has no one to tell
  try {
    for (const node of await masters(redis))
      for (const pattern of patterns)
        for await (const keys of scanKeys(node, pattern)) {
          // One key per command: on a Cluster the keys of one node may sit in different slots.
          const batch = node.pipeline();
          for (const key of keys) batch.unlink(key);
          await batch.exec();
        }
  } finally {
    redis.disconnect();
  }
}
