import type { JobsOptions } from 'bullmq';
import { Types } from 'mongoose';
import { REDIS_RETENTION, QueueSpec } from '../contracts/queue-catalogue';
import { JobPriority, toBullPriority } from '../contracts/job-priority';

/** Globally unique, time-ordered, never an integer and free of ':' (BullMQ rejects both). */
export function newJobId(): string {
  return new Types.ObjectId().toHexString();
}

export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

export function isValidJobId(id: string): boolean {
  return JOB_ID_PATTERN.test(id) && !/^\d+$/.test(id);
}

/**
 * Job options as the kernel stores them. BullMQ keeps option keys it does not know, so the id of
 * the HTTP request that queued a job rides along to the worker's log lines without touching the
 * payload (which both sides validate strictly).
 */
export type KernelJobOptions = JobsOptions & {
  requestId?: string;
  timeoutMs?: number;
  /** Epoch ms: not started by then, the job is not run and ends `expired`. */
  deadline?: number;
};

export function requestIdOf(job: { opts: JobsOptions }): string | undefined {
  const { requestId } = job.opts as KernelJobOptions;
  return typeof requestId === 'string' ? requestId : undefined;
}

/** The job's start deadline (epoch ms), if it has one. */
export function deadlineOf(job: { opts: JobsOptions }): number | undefined {
  const { deadline } = job.opts as KernelJobOptions;
  return typeof deadline === 'number' ? deadline : undefined;
}

/** How long a run of this job may last: its own timeout, else its queue's. */
export function timeoutOf(job: { opts: JobsOptions }, spec: QueueSpec): number {
  const { timeoutMs } = job.opts as KernelJobOptions;
  return typeof timeoutMs === 'number' && timeoutMs > 0 ? timeoutMs : spec.timeoutMs;
}

/** The one place BullMQ job options are built: id, priority and turn, delay, retries, retention. */
export function buildJobOptions(
  spec: QueueSpec,
  job: {
    jobId: string;
    priority: JobPriority;
    /** The owner's turn within the level (FairShare); 0 when fairness does not apply. */
    turn?: number;
    delayMs: number;
    requestId?: string;
    /** The job's own run timeout; unset: the queue's (read when it runs, so overrides apply). */
    timeoutMs?: number;
    /** Epoch ms; unset: none. */
    deadline?: number;
  },
  backoffDelayMs: number,
): KernelJobOptions {
  return {
    requestId: job.requestId,
    timeoutMs: job.timeoutMs,
    deadline: job.deadline,
    jobId: job.jobId,
    priority: toBullPriority(job.priority, job.turn),
    delay: job.delayMs > 0 ? job.delayMs : undefined,
    attempts: spec.attempts,
    backoff: { type: 'exponential', delay: backoffDelayMs },
    removeOnComplete: { age: REDIS_RETENTION.completedMs / 1000 },
    removeOnFail: { age: REDIS_RETENTION.failedMs / 1000 },
  };
}
