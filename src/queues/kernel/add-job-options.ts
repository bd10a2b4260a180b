import { JobPayloadError } from '../contracts/job-errors';
import type { QueueSpec } from '../contracts/queue-catalogue';

export interface AddJobOptions {
  /** JOB_PRIORITY value; defaults to the queue's (HIGH for video-processing, else NORMAL). */
  priority?: number;
  /** Run no earlier than this (a Date in the future). */
  runAt?: Date;
  /** Run after this many milliseconds. */
  delay?: number;
  /** A caller-chosen id, for idempotent submission; must be unique across all queues. */
  jobId?: string;
  /**
   * If Redis is away, keep the record and let the reconciler queue the job once Redis is back,
   * instead of failing. For jobs a completed action owes (the welcome email of a new account).
   */
  deferIfQueueDown?: boolean;
  /** The request (or job) this job comes from; by default the HTTP request being served. */
  requestId?: string;
  /**
   * Stop a run after this many milliseconds (counted as a failed attempt); by default the
   * queue's QUEUE_<NAME>_TIMEOUT_MS. At most JOB_MAX_TIMEOUT_MS.
   */
  timeoutMs?: number;
  /**
   * Not started by then (a Date after now and after `runAt`), the job is not run: it ends
   * `expired`. By default its queue's QUEUE_<NAME>_MAX_LATENESS_MS after it was due, if set.
   */
  deadline?: Date;
}

/** When a job may run, until when it may start, and how long a run may last: checked. */
export interface JobTiming {
  delayMs: number;
  deadline?: Date;
  timeoutMs?: number;
  /** What is wrong with the options, for a 400 that names every problem. */
  problems: string[];
}

/** The add's timing, or its problems; a bad run time throws at once (nothing else is due). */
export function jobTiming(
  options: AddJobOptions,
  spec: QueueSpec,
  maxTimeoutMs: number,
): JobTiming {
  const delayMs = delayOf(options);
  const problems: string[] = [];
  const { timeoutMs } = options;
  if (
    timeoutMs !== undefined &&
    (!Number.isInteger(timeoutMs) || timeoutMs < 1000 || timeoutMs > maxTimeoutMs)
  )
    problems.push(`timeoutMs must be a whole number of milliseconds from 1000 to ${maxTimeoutMs}`);
  const deadline = deadlineOf(options, spec, delayMs, problems);
  return { delayMs, deadline, timeoutMs, problems };
}

/** The job's own deadline (checked), else its queue's lateness after it is due, else none. */
function deadlineOf(
  options: AddJobOptions,
  spec: QueueSpec,
  delayMs: number,
  problems: string[],
): Date | undefined {
  const dueAt = Date.now() + delayMs;
  if (options.deadline === undefined)
    return spec.maxLatenessMs ? new Date(dueAt + spec.maxLatenessMs) : undefined;
  const at = options.deadline instanceof Date ? options.deadline.getTime() : NaN;
  if (Number.isNaN(at)) problems.push('deadline must be a valid date');
  else if (at <= dueAt) problems.push('deadline must be after the time the job is due to run');
  return Number.isNaN(at) ? undefined : options.deadline;
}

function delayOf(options: AddJobOptions): number {
  if (options.runAt !== undefined) {
    const at = options.runAt instanceof Date ? options.runAt.getTime() : NaN;
    if (Number.isNaN(at)) throw new JobPayloadError(['date must be a valid date']);
    if (at <= Date.now()) throw new JobPayloadError(['date must be in the future']);
    return at - Date.now();
  }
  if (options.delay !== undefined && (!Number.isInteger(options.delay) || options.delay < 0)) {
    throw new JobPayloadError(['delay must be a whole number of milliseconds, 0 or more']);
  }
  return options.delay ?? 0;
}
