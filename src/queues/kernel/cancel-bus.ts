import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createRedisClient, type RedisClient } from '../../infra/redis/redis-client';
import type { AppConfig } from '../../config/app-config';
import { watchConnection } from '../../infra/redis/connection-watch';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import type { QueueName } from '../contracts/queue-names';

export interface CancelRequest {
  queue: QueueName;
  jobId: string;
  reason: string;
}

/**
 * Carries "cancel this active job" from any process to the worker process running it:
 * BullMQ's worker.cancelJob() only reaches jobs of its own process.
 */
@Injectable()
export class CancelBus implements OnApplicationShutdown {
  private readonly channel: string;
  private subscriber?: RedisClient;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly config: ConfigService<AppConfig, true>,
  ) {
    this.channel = `${config.get('redisKeys', { infer: true }).base}:cancel-requests`;
  }

  async request(request: CancelRequest): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(request));
  }

  /** Worker processes listen; each message goes to `handler` (a no-op when the job is not here). */
  async listen(handler: (request: CancelRequest) => void): Promise<void> {
    const subscriber = createRedisClient(this.config.get('redis', { infer: true }), {
      name: 'click-api:cancel-bus',
      patience: 'patient',
    });
    watchConnection(subscriber, 'cancel bus', new Logger('CancelBus'));
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        handler(JSON.parse(message) as CancelRequest);
      } catch {
        /* a malformed message is ignored */
      }
    });
    await subscriber.subscribe(this.channel);
    this.subscriber = subscriber;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
