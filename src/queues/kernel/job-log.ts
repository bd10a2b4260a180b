import type { Job } from 'bullmq';
import type { LogContext } from '../../common/log-context';
import { ownerOf } from '../contracts/owner';
import { requestIdOf } from './job-options';

/** Who a job's log lines name: queue, id, attempt, owner, and the request that queued it. */
export function jobLogContext(queue: string, job: Job, attempt = job.attemptsMade + 1): LogContext {
  return {
    requestId: requestIdOf(job),
    job: { queue, jobId: job.id!, attempt, ownerId: ownerOf((job.data ?? {}) as object) },
  };
}

/** A structured line: the message plus the job's fields (nestjs-pino merges them into the line). */
export function jobLine(msg: string, context: LogContext): Record<string, unknown> {
  return { msg, ...context.job, requestId: context.requestId };
}
