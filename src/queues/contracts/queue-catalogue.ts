import { JOB_PRIORITY, JobPriority } from './job-priority';
import { QUEUE_NAMES, QueueName } from './queue-names';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export interface RateLimit {
  /** At most `max` jobs start per `durationMs`, across every worker of the queue. */
  max: number;
  durationMs: number;
}

export interface QueueSpec {
  name: QueueName;
  purpose: string;
  /** Jobs one worker process runs at once. */
  concurrency: number;
  rateLimit?: RateLimit;
  defaultPriority: JobPriority;
  attempts: number;
}

/** How long finished jobs stay in Redis; their MongoDB records outlive them (JOB_RECORD_RETENTION_DAYS). */
export const REDIS_RETENTION = {
  completedMs: 24 * HOUR_MS,
  failedMs: 7 * DAY_MS,
} as const;

const perMinute = (max: number): RateLimit => ({ max, durationMs: 60_000 });

/**
 * The one table of queues and the numbers the product promises. Concurrency and rate limits can be
 * overridden per deployment with QUEUE_<NAME>_CONCURRENCY / _RATE_MAX / _RATE_DURATION_MS.
 */
export const QUEUE_CATALOGUE: Readonly<Record<QueueName, QueueSpec>> = {
  [QUEUE_NAMES.VIDEO_PROCESSING]: {
    name: QUEUE_NAMES.VIDEO_PROCESSING,
    purpose: 'Process uploaded videos',
    concurrency: 2,
    rateLimit: perMinute(5),
    defaultPriority: JOB_PRIORITY.HIGH,
    attempts: 3,
  },
  [QUEUE_NAMES.CONTENT_GENERATION]: {
    name: QUEUE_NAMES.CONTENT_GENERATION,
    purpose: 'Generate social media content',
    concurrency: 5,
    rateLimit: perMinute(20),
    defaultPriority: JOB_PRIORITY.NORMAL,
    attempts: 3,
  },
  [QUEUE_NAMES.EMAIL_SENDING]: {
    name: QUEUE_NAMES.EMAIL_SENDING,
    purpose: 'Send emails',
    concurrency: 10,
    rateLimit: perMinute(100),
    defaultPriority: JOB_PRIORITY.NORMAL,
    attempts: 3,
  },
  [QUEUE_NAMES.TRANSCRIPT_GENERATION]: {
    name: QUEUE_NAMES.TRANSCRIPT_GENERATION,
    purpose: 'Generate video transcripts',
    concurrency: 3,
    rateLimit: perMinute(10),
    defaultPriority: JOB_PRIORITY.NORMAL,
    attempts: 3,
  },
  [QUEUE_NAMES.SOCIAL_POSTING]: {
    name: QUEUE_NAMES.SOCIAL_POSTING,
    purpose: 'Post to social platforms',
    concurrency: 5,
    rateLimit: perMinute(20),
    defaultPriority: JOB_PRIORITY.NORMAL,
    attempts: 3,
  },
  [QUEUE_NAMES.SCHEDULED_POSTS]: {
    name: QUEUE_NAMES.SCHEDULED_POSTS,
    purpose: 'Schedule future posts',
    concurrency: 5,
    defaultPriority: JOB_PRIORITY.NORMAL,
    attempts: 3,
  },
};
