import type { Job } from 'bullmq';
import { REDIS_RETENTION } from '../contracts/queue-catalogue';
import type { QueueName } from '../contracts/queue-names';
import { contentOf, ownerOf } from '../contracts/owner';
import { fromBullPriority } from '../contracts/job-priority';
import { type JobRecord, type JobState, SYSTEM_OWNER } from './job-record.schema';
import type { FinalRecord } from './record-write-buffer';
import { summarizeResult } from './result-summary';

export type FinishedState = Extract<JobState, 'completed' | 'failed' | 'cancelled' | 'expired'>;

/**
 * The whole record of a job that ended, from the job itself. `retentionMs`: how long the record
 * outlives the job's time in Redis (JOB_RECORD_RETENTION_DAYS).
 */
export function finalRecordOf(
  queue: QueueName,
  job: Job,
  state: FinishedState,
  outcome: { result?: unknown; reason?: string },
  finishedAt: Date,
  retentionMs: number,
): FinalRecord {
  const data = (job.data ?? {}) as Record<string, unknown>;
  // Built field by field, leaving out what is undefined (the driver would store a null): on
  // every job's end, a copy through Object.entries cost more than the rest of the record.
  const record = {
    _id: job.id!,
    queue,
    name: job.name,
    ownerId: ownerOf(data) ?? SYSTEM_OWNER,
  } as FinalRecord;
  const contentId = contentOf(data);
  if (contentId !== undefined) record.contentId = contentId;
  record.maxAttempts = job.opts.attempts ?? 1;
  record.priority = fromBullPriority(job.opts.priority);
  record.data = data;
  if (job.delay) record.runAt = new Date(job.timestamp + job.delay);
  const progress = state === 'completed' ? 100 : job.progress;
  if (progress !== undefined) record.progress = progress;
  record.attemptsMade = job.attemptsMade;
  record.createdAt = new Date(job.timestamp);
  record.updatedAt = new Date();
  if (job.processedOn) record.startedAt = new Date(job.processedOn);
  const finish = finishFieldsOf(state, finishedAt, retentionMs);
  record.state = finish.state;
  record.finishedAt = finish.finishedAt;
  record.purgeAfter = finish.purgeAfter;
  if (state === 'completed') {
    const result = summarizeResult(outcome.result);
    if (result !== undefined) record.result = result;
  } else if (outcome.reason !== undefined) record.failedReason = outcome.reason;
  return record;
}

/** The fields every finished record gets: its end, and when it will be pruned. */
export function finishFieldsOf(
  state: FinishedState,
  finishedAt: Date,
  retentionMs: number,
): Pick<JobRecord, 'state' | 'finishedAt' | 'purgeAfter'> {
  // Kept for the retention after Redis has dropped the job (24 h completed, 7 days failed).
  const redisRetention =
    state === 'completed' ? REDIS_RETENTION.completedMs : REDIS_RETENTION.failedMs;
  return {
    state,
    finishedAt,
    purgeAfter: new Date(finishedAt.getTime() + redisRetention + retentionMs),
  };
}
