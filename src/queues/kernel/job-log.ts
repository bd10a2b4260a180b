import type { Job } from 'bullmq';
import { ownerOf } from '../contracts/owner';
import { requestIdOf } from './job-options';

/** Who a job's log lines name: queue, id, attempt, owner, and the request that queued it. */
export function jobLogFields(
  queue: string,
  job: Job,
  attempt = job.attemptsMade + 1,
): Record<string, unknown> {
  return {
    queue,
    jobId: job.id,
    attempt,
    ownerId: ownerOf(job.data),
    requestId: requestIdOf(job),
  };
}

/** A structured line: the message plus the job's fields (nestjs-pino merges them into the line). */
export function jobLine(msg: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { msg, ...fields };
}
