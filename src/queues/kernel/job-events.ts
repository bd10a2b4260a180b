import type { JobProgress } from 'bullmq';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import type { QueueName } from '../queue-names';
import type { JobState } from '../records/job-record.schema';

export const JOB_EVENT_TYPES = [
  'job:active',
  'job:progress',
  'job:completed',
  'job:failed',
  'job:retrying',
  'job:cancelled',
] as const;
export type JobEventType = (typeof JOB_EVENT_TYPES)[number];

/** What the realtime layer forwards to a job's owner (and to admins). */
export interface JobEvent {
  type: JobEventType;
  jobId: string;
  queue: QueueName;
  name: string;
  ownerId: string;
  state: JobState;
  progress?: JobProgress;
  attemptsMade: number;
  result?: unknown;
  failedReason?: string;
  at: string;
}

export function jobEventsChannel(prefix: string): string {
  return `${prefix}:job-events`;
}

/** Events wait at most this long, so a busy worker sends one message per batch, not per event. */
const BATCH_MS = 20;
const BATCH_MAX = 200;

/**
 * Publishes job events on one Redis pub/sub channel, so any process (the API holding the user's
 * websocket) hears what a worker process did. Each message is a JSON array of events in the order
 * they happened: batching keeps Redis traffic to one command per 20 ms however many jobs run.
 * Events are best effort; the job record is the truth.
 */
@Injectable()
export class JobEventsPublisher implements OnApplicationShutdown {
  private readonly channel: string;
  private readonly logger = new Logger('JobEvents');
  private batch: JobEvent[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    config: ConfigService<AppConfig, true>,
  ) {
    this.channel = jobEventsChannel(config.get('redisPrefix', { infer: true }));
  }

  publish(event: Omit<JobEvent, 'at'>): void {
    this.batch.push({ ...event, at: new Date().toISOString() });
    if (this.batch.length >= BATCH_MAX) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.redis
      .publish(this.channel, JSON.stringify(events))
      .catch((error: Error) =>
        this.logger.debug(`${events.length} events not published (${error.message})`),
      );
  }

  onApplicationShutdown(): void {
    this.flush();
  }
}
