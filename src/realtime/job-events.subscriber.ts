import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { watchConnection } from '../infra/redis/connection-watch';
import { patientRedisOptions } from '../infra/redis/redis-options';
import { JobEvent, jobEventsChannel } from '../queues/kernel/job-events';

/**
 * Hears the job events every worker process publishes (JobEventsPublisher: one Redis pub/sub
 * channel, JSON arrays in the order things happened) and hands each event to `handler`.
 * One subscription per API process; each process forwards only to its own sockets.
 */
@Injectable()
export class JobEventsSubscriber implements OnApplicationShutdown {
  private readonly logger = new Logger('JobEventsSubscriber');
  private subscriber?: Redis;

  constructor(private readonly config: ConfigService<AppConfig, true>) {}

  listen(handler: (event: JobEvent) => void): void {
    const channel = jobEventsChannel(this.config.get('redisPrefix', { infer: true }));
    const subscriber = new Redis({
      ...patientRedisOptions(this.config.get('redis', { infer: true })),
      connectionName: 'click-api:job-events',
    });
    watchConnection(subscriber, 'job events', this.logger);
    subscriber.on('message', (_channel: string, message: string) => {
      let events: JobEvent[];
      try {
        events = JSON.parse(message) as JobEvent[];
      } catch {
        return this.logger.warn('a malformed job events message was ignored');
      }
      for (const event of events) handler(event);
    });
    this.subscriber = subscriber;
    // Not awaited: with Redis away at boot the app still starts; ioredis subscribes (and
    // re-subscribes after every reconnect) as soon as Redis answers.
    subscriber
      .subscribe(channel)
      .catch((error: Error) => this.logger.warn(`job events not subscribed: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
