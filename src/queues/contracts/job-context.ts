import type { JobProgress } from 'bullmq';
import type { ProviderName } from './providers';
import type { QueueName } from './queue-names';

/** What a job handler gets besides its payload. Handlers see no BullMQ job: the kernel moves it. */
export interface JobContext {
  jobId: string;
  queue: QueueName;
  /** 1 for the first attempt. */
  attempt: number;
  /** Fires when the job is cancelled; pass it to every I/O call so work stops at once. */
  signal: AbortSignal;
  progress(value: JobProgress): Promise<void>;
  /** Puts the job back until `at` without spending an attempt, and ends this run (throws). */
  deferUntil(at: Date, why: string): Promise<never>;
  /** Not started by then, the job is not run (it ends `expired`); a follow-up may inherit it. */
  deadline?: Date;
  /** The id of the HTTP request that queued this job (or the job that queued it), if any. */
  requestId?: string;
  /**
   * Fields for every log line about this job (queue, jobId, attempt, ownerId, requestId):
   * `logger.log({ msg, ...context.logFields })`. Passed explicitly rather than through an
   * AsyncLocalStorage, which on Node 20 slows every await of the worker by a fifth.
   */
  logFields: Readonly<Record<string, unknown>>;
  /**
   * Runs `call` against an outside provider through its circuit breaker: while the breaker is
   * open the job is put back until it may try again (no attempt spent, this run ends); the call's
   * outcome (a timeout, refused connection, 5xx or 429 counts against the provider) is recorded.
   */
  viaProvider<T>(provider: ProviderName, call: () => Promise<T>): Promise<T>;
  /**
   * The breaker's gate alone, for a handler whose call sits inside its own bookkeeping (the mail
   * and post ledgers): ask before claiming anything; once admitted, settle with the call's
   * outcome — or `unused` when no call was made (a trial slot is then freed for another job).
   */
  admitProvider(provider: ProviderName): Promise<ProviderPass>;
}

export type ProviderPass =
  | {
      admitted: true;
      settle(outcome: 'ok' | 'fault' | 'unused', retryAfterMs?: number): Promise<void>;
    }
  | { admitted: false; until: Date };

/** How a job ended for good, as the after-finish hooks hear it. */
export type FinishedOutcome =
  | { state: 'completed'; result: unknown }
  | { state: 'failed' | 'cancelled' | 'expired'; reason: string };
