import type { JobProgress } from 'bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
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

/**
 * Publishes job events on one Redis pub/sub channel, so any process (the API holding the user's
 * websocket) hears what a worker process did. Events are best effort: the job record is the truth.
 */
@Injectable()
export class JobEventsPublisher {
  private readonly channel: string;
  private readonly logger = new Logger('JobEvents');

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    config: ConfigService<AppConfig, true>,
  ) {
    this.channel = jobEventsChannel(config.get('redisPrefix', { infer: true }));
  }

  publish(event: Omit<JobEvent, 'at'>): void {
    this.redis
      .publish(this.channel, JSON.stringify({ ...event, at: new Date().toISOString() }))
      .catch((error: Error) => this.logger.debug(`not published (${error.message})`));
  }
}
