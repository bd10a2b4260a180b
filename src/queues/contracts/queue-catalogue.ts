import type { JobPriority } from './job-priority';

export const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export interface RateLimit {
  /** At most `max` jobs start per `durationMs`, across every worker of the queue. */
  max: number;
  durationMs: number;
}

export interface QueueSpec {
  name: string;
  purpose: string;
  /** Jobs one worker process runs at once. */
  concurrency: number;
  rateLimit?: RateLimit;
  defaultPriority: JobPriority;
  attempts: number;
  /**
   * A run longer than this is stopped through its AbortSignal and counts as a failed attempt
   * ("ran longer than N s"). A job may ask for its own, up to JOB_MAX_TIMEOUT_MS.
   */
  timeoutMs: number;
  /**
   * Jobs without a deadline of their own get one this long after they were due (their run time,
   * or their submission): a job that has not started by then is not run, it ends `expired`.
   * Unset: no default deadline. QUEUE_<NAME>_MAX_LATENESS_MS sets it.
   */
  maxLatenessMs?: number;
}

/** How long finished jobs stay in Redis; their MongoDB records outlive them (JOB_RECORD_RETENTION_DAYS). */
export const REDIS_RETENTION = {
  completedMs: 24 * HOUR_MS,
  failedMs: 7 * DAY_MS,
} as const;

export const perMinute = (max: number): RateLimit => ({ max, durationMs: 60_000 });

/** A payload class: validated with class-validator on add and again in the worker. */
export type PayloadClass = new () => object;

/**
 * A queue as its folder defines it: its catalogue row (name and the numbers the product promises;
 * a deployment overrides concurrency and rate limit with QUEUE_<NAME>_CONCURRENCY / _RATE_MAX /
 * _RATE_DURATION_MS) and its job names with their payload classes.
 */
export interface QueueDefinition<
  Name extends string = string,
  Jobs extends Readonly<Record<string, PayloadClass>> = Readonly<Record<string, PayloadClass>>,
> {
  spec: QueueSpec & { name: Name };
  jobs: Jobs;
}

/** Keeps the literal names of a definition, so the typed helpers can be derived from it. */
export function defineQueue<
  const Name extends string,
  const Jobs extends Readonly<Record<string, PayloadClass>>,
>(definition: QueueDefinition<Name, Jobs>): QueueDefinition<Name, Jobs> {
  return definition;
}
