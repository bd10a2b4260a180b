import { UnrecoverableError } from 'bullmq';

/**
 * Errors the queue kernel raises to its callers. The HTTP layer maps each class to one status
 * (see the exception filter); the messages are safe to show to a user.
 */
export { JobPayloadError } from '../../common/payload-error';

export class UnknownQueueError extends Error {
  constructor(
    readonly queue: string,
    validQueues: readonly string[],
  ) {
    super(`Unknown queue "${queue}"; valid queues: ${validQueues.join(', ')}`);
    this.name = 'UnknownQueueError';
  }
}

export class JobNotFoundError extends Error {
  constructor(readonly jobId: string) {
    super(`Job ${jobId} not found`);
    this.name = 'JobNotFoundError';
  }
}

/** The job is not in a state that allows the operation (cancel a finished job, retry a running one). */
export class JobStateConflictError extends Error {
  constructor(
    readonly jobId: string,
    readonly state: string,
    operation: string,
  ) {
    super(`Job ${jobId} is ${state}; it cannot be ${operation}`);
    this.name = 'JobStateConflictError';
  }
}

/** A job id given by a caller is already used by a different job. */
export class JobIdConflictError extends Error {
  constructor(readonly jobId: string) {
    super(`Job id ${jobId} is already used by another job`);
    this.name = 'JobIdConflictError';
  }
}

/** Redis (or MongoDB) did not take the job; nothing was queued. */
export class QueueUnavailableError extends Error {
  constructor(cause: unknown) {
    super(
      `The job queue is unavailable, try again shortly (${(cause as Error)?.message ?? String(cause)})`,
    );
    this.name = 'QueueUnavailableError';
  }
}

/**
 * Thrown by job handlers for failures that another attempt cannot fix (bad payload, unknown
 * template, a provider's 4xx): the job fails at once, without retries.
 */
export class PermanentJobError extends UnrecoverableError {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/**
 * The job's owner has been erased (or is being erased): nothing more is done or written for
 * them. Permanent in a worker; a 409 on the HTTP path (a request racing its own account's erase).
 */
export class OwnerErasedError extends PermanentJobError {
  constructor() {
    super('The owner of this job has been erased');
    this.name = 'OwnerErasedError';
  }
}

export const CANCELLED_REASON_PREFIX = 'Cancelled';

/** Ends an active job whose AbortSignal fired; never retried. */
export class JobCancelledError extends UnrecoverableError {
  constructor(reason = 'cancelled on request') {
    super(`${CANCELLED_REASON_PREFIX}: ${reason}`);
    this.name = 'JobCancelledError';
  }
}

/**
 * A run that lasted past its timeout (the queue's QUEUE_<NAME>_TIMEOUT_MS, or the job's own): its
 * AbortSignal fired, and the attempt counts as failed — retried or failed per the queue's policy.
 */
export class JobTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`ran longer than ${Number((timeoutMs / 1000).toFixed(1))} s`);
    this.name = 'JobTimeoutError';
  }
}

/**
 * The abort reason a stopping worker gives its running jobs once SHUTDOWN_TIMEOUT_MS is over: the
 * job goes back to the queue, its attempt not spent, and another worker runs it.
 */
export const SHUTDOWN_ABORT = 'the worker is shutting down; the job will run again';

export function isCancelledReason(failedReason: string | undefined): boolean {
  return failedReason?.startsWith(`${CANCELLED_REASON_PREFIX}:`) ?? false;
}

export const EXPIRED_REASON_PREFIX = 'Expired';

/**
 * A job that had not started by its deadline: not run; it ends `expired` (never retried by
 * itself; an admin may retry it by hand, which lifts the deadline).
 */
export class JobExpiredError extends UnrecoverableError {
  constructor(deadline: Date, why: string) {
    super(
      `${EXPIRED_REASON_PREFIX}: not started by its deadline ${deadline.toISOString()} (${why})`,
    );
    this.name = 'JobExpiredError';
  }
}

export function isExpiredReason(failedReason: string | undefined): boolean {
  return failedReason?.startsWith(`${EXPIRED_REASON_PREFIX}:`) ?? false;
}

/** For `.catch()`: errors of `kind` become permanent (retrying cannot help); others pass as they are. */
export function permanentWhen(kind: abstract new (...args: never[]) => Error) {
  return (error: unknown): never => {
    if (error instanceof kind) throw new PermanentJobError(error.message);
    throw error;
  };
}

/** BullMQ's words for a job whose worker was lost more than maxStalledCount times. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/** A failure reason as users read it: BullMQ's own terse ones get their meaning spelled out. */
export function explainFailure(reason: string): string;
export function explainFailure(reason: string | undefined): string | undefined;
export function explainFailure(reason: string | undefined): string | undefined {
  if (reason === STALLED_TOO_OFTEN)
    return `${reason}: its worker stopped (killed, crashed, out of memory) each time it ran this job, more than JOB_MAX_STALLS times; a job that takes its worker down is not run again`;
  return reason;
}
