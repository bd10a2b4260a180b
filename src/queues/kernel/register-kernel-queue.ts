import { BullModule } from '@nestjs/bullmq';
import type { DynamicModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config';

/**
 * A queue module's BullMQ queue, with the shared connection and the queue's own prefix: the
 * deployment's prefix on one node, a hash-tagged one on a Redis Cluster (so all of one queue's
 * keys sit in one slot, and different queues on different masters; see config/redis-keys.ts).
 */
export function registerKernelQueue(name: string): DynamicModule {
  return BullModule.registerQueueAsync({
    name,
    inject: [ConfigService],
    useFactory: (config: ConfigService<AppConfig, true>) => ({
      prefix: config.get('redisKeys', { infer: true }).bullPrefix(name),
    }),
  });
}
