import type { JobState as BullJobState } from 'bullmq';
import { isCancelledReason, isExpiredReason } from '../contracts/job-errors';
import type { JobState } from '../records/job-record.schema';

/**
 * BullMQ's state as users see it: `prioritized` (every job of ours has a priority) and
 * `waiting-children` are waiting; a job failed by a cancel is cancelled, by its deadline expired.
 */
export function toJobState(
  state: BullJobState | 'unknown',
  failedReason?: string,
): JobState | undefined {
  switch (state) {
    case 'waiting':
    case 'prioritized':
    case 'waiting-children':
      return 'waiting';
    case 'failed':
      if (isCancelledReason(failedReason)) return 'cancelled';
      return isExpiredReason(failedReason) ? 'expired' : 'failed';
    case 'unknown':
      return undefined;
    default:
      return state;
  }
}
