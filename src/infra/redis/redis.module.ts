import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { watchConnection } from './connection-watch';
import { failFastRedisOptions } from './redis-options';

/** A fail-fast ioredis client for short commands on the request path (health, locks, publish). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): Redis => {
        const client = new Redis({
          ...failFastRedisOptions(config.get('redis', { infer: true })),
          enableAutoPipelining: true,
          connectionName: 'click-api:commands',
        });
        watchConnection(client, 'redis', new Logger('Redis'));
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
