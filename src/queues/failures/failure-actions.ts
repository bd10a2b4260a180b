import { Injectable } from '@nestjs/common';
import { JobStateConflictError } from '../contracts/job-errors';
import { JobControl } from '../kernel/job-control';
import { JobLookup } from '../kernel/job-lookup';
import { QueueRegistry } from '../kernel/queue-registry';
import { FailureGroups } from './failure-groups';

/** What a bulk action did: jobs it retried or removed, and ones no longer failed it let go. */
export interface GroupActionResult {
  groupId: string;
  touched: number;
  skipped: number;
}

/** Jobs handled per round trip of a bulk action. */
const BATCH = 50;

/**
 * Retry or discard every failed job of a failure group. Safe to call twice: a job leaves its
 * group once handled, and one that is no longer failed (retried one by one, removed) is skipped.
 */
@Injectable()
export class FailureActions {
  constructor(
    private readonly groups: FailureGroups,
    private readonly control: JobControl,
    private readonly lookup: JobLookup,
    private readonly registry: QueueRegistry,
  ) {}

  /** Each failed job of the group runs again from its first attempt (JobControl.retry). */
  retry(groupId: string): Promise<GroupActionResult | undefined> {
    return this.each(groupId, async (queue, jobId) => {
      try {
        await this.control.retry(queue, jobId);
        return true;
      } catch (error) {
        if (error instanceof JobStateConflictError) return false;
        throw error;
      }
    });
  }

  /** Each failed job of the group is removed from Redis (its record stays, as history). */
  discard(groupId: string): Promise<GroupActionResult | undefined> {
    return this.each(groupId, async (queue, jobId) => {
      const live = await this.lookup.live(queue, jobId);
      if (live?.state !== 'failed') return false;
      await (await this.registry.use(queue)).remove(jobId);
      return true;
    });
  }

  private async each(
    groupId: string,
    act: (queue: string, jobId: string) => Promise<boolean>,
  ): Promise<GroupActionResult | undefined> {
    const queue = await this.groups.queueOf(groupId);
    if (!queue) return undefined;
    const result: GroupActionResult = { groupId, touched: 0, skipped: 0 };
    for (;;) {
      const batch = await this.groups.take(groupId, BATCH);
      if (batch.length === 0) return result;
      const done = await Promise.all(batch.map(([id]) => act(queue, id))).catch(
        async (error: unknown) => {
          // Redis or MongoDB away: the batch stays in its group for the next call.
          await this.groups.restore(groupId, batch).catch(() => undefined);
          throw error;
        },
      );
      for (const ok of done) result[ok ? 'touched' : 'skipped'] += 1;
    }
  }
}
