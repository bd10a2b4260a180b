import type { Job, JobProgress } from 'bullmq';
import { contentOf, ownerOf } from '../contracts/owner';
import { explainFailure } from '../contracts/job-errors';
import { fromBullPriority, JobPriority } from '../contracts/job-priority';
import type { QueueName } from '../contracts/queue-names';
import { JobRecord, JobState, SYSTEM_OWNER } from '../records/job-record.schema';

export interface JobStatus {
  id: string;
  name: string;
  queue: QueueName;
  ownerId: string;
  contentId?: string;
  state: JobState;
  progress: JobProgress;
  attemptsMade: number;
  maxAttempts: number;
  priority: JobPriority;
  data: Record<string, unknown>;
  returnValue?: unknown;
  failedReason?: string;
  timestamps: { created: string; started?: string; finished?: string; runAt?: string };
}

/** A live job's status; the record (when there is one) names its owner and content. */
export function statusFromJob(
  queue: QueueName,
  job: Job,
  state: JobState,
  record?: JobRecord | null,
): JobStatus {
  const data = (job.data ?? {}) as Record<string, unknown>;
  return {
    id: job.id!,
    name: job.name,
    queue,
    ownerId: record?.ownerId ?? ownerOf(data) ?? SYSTEM_OWNER,
    contentId: record?.contentId ?? contentOf(data),
    state,
    progress: job.progress,
    attemptsMade: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    priority: fromBullPriority(job.opts.priority),
    data,
    returnValue: job.returnvalue as unknown,
    failedReason: explainFailure(job.failedReason || undefined),
    timestamps: {
      created: new Date(job.timestamp).toISOString(),
      started: job.processedOn ? new Date(job.processedOn).toISOString() : undefined,
      finished: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
      runAt: job.delay ? new Date(job.timestamp + job.delay).toISOString() : undefined,
    },
  };
}

export function statusFromRecord(record: JobRecord): JobStatus {
  return {
    id: record._id,
    name: record.name,
    queue: record.queue,
    ownerId: record.ownerId,
    contentId: record.contentId,
    state: record.state,
    progress: record.progress,
    attemptsMade: record.attemptsMade,
    maxAttempts: record.maxAttempts,
    priority: record.priority as JobPriority,
    data: record.data,
    returnValue: record.result,
    failedReason: record.failedReason,
    timestamps: {
      created: record.createdAt.toISOString(),
      started: record.startedAt?.toISOString(),
      finished: record.finishedAt?.toISOString(),
      runAt: record.runAt?.toISOString(),
    },
  };
}
