import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { watchConnection } from './connection-watch';
import { failFastRedisOptions } from './redis-options';

/** A fail-fast ioredis client for short commands on the request path (health, locks, publish). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

const READY_WAIT_MS = 3000;

function whenReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
  });
}

@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [ConfigService],
      useFactory: async (config: ConfigService<AppConfig, true>): Promise<Redis> => {
        const client = new Redis({
          ...failFastRedisOptions(config.get('redis', { infer: true })),
          enableAutoPipelining: true,
          connectionName: 'click-api:commands',
        });
        watchConnection(client, 'redis', new Logger('Redis'));
        // Fail-fast commands sent before the first connection would be refused: give it a moment
        // at start-up (the app still starts without Redis, and answers 503 until it is back).
        await whenReady(client, READY_WAIT_MS);
        return client;
      },
    },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
