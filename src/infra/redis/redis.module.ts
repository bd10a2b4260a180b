import { Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ConnectionOptions } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { watchConnection } from './connection-watch';
import { bullConnection, createRedisClient } from './redis-client';
import type { ClientSettings, RedisClient } from './redis-client';

/** A fail-fast client for short commands on the request path (health, locks, publish). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

const READY_WAIT_MS = 3000;

function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
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

/**
 * Builds this deployment's Redis clients (one node, Sentinel or Cluster: see redis-client.ts).
 * BullMQ closes the clients it builds itself; the Cluster clients it is handed are closed here,
 * after the workers (they close before application shutdown).
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly adopted: RedisClient[] = [];
  private readonly logger = new Logger('Redis');

  constructor(private readonly config: ConfigService<AppConfig, true>) {}

  client(settings: ClientSettings): RedisClient {
    return createRedisClient(this.config.get('redis', { infer: true }), settings);
  }

  forBullMQ(settings: ClientSettings): ConnectionOptions {
    return bullConnection(this.config.get('redis', { infer: true }), settings, (client) => {
      watchConnection(client, settings.name, this.logger);
      this.adopted.push(client);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.adopted.splice(0).map((client) => client.quit().catch(() => client.disconnect())),
    );
  }
}

@Module({
  providers: [
    RedisConnections,
    {
      provide: REDIS_CLIENT,
      inject: [RedisConnections],
      useFactory: async (connections: RedisConnections): Promise<RedisClient> => {
        const client = connections.client({
          name: 'click-api:commands',
          patience: 'fail-fast',
          autoPipelining: true,
        });
        watchConnection(client, 'redis', new Logger('Redis'));
        // Fail-fast commands sent before the first connection would be refused: give it a moment
        // at start-up (the app still starts without Redis, and answers 503 until it is back).
        await whenReady(client, READY_WAIT_MS);
        return client;
      },
    },
  ],
  exports: [REDIS_CLIENT, RedisConnections],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
