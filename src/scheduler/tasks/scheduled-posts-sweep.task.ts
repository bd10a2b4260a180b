import { Injectable, Logger } from '@nestjs/common';
import type { ScheduledPost } from '../../social/scheduled-post.schema';
import { ScheduledPostsService } from '../../social/scheduled-posts.service';
import type { MaintenanceTask } from '../maintenance-task';
import {
  JOB_NAMES,
  JobIndex,
  JobKernel,
  JobReconciler,
  JobRecordsService,
  QUEUE_NAMES,
  QueueRegistry,
  handOffJobId,
} from '../../queues';

const BATCH = 500;
/** A post younger than this may be between its two writes in the producer: leave it alone. */
const PRODUCER_GRACE_MS = 30_000;

/**
 * Every scheduled post is published once, on time, even if Redis lost its delayed job: due posts
 * still `scheduled` whose job is gone are queued again under the same job id (so a racing
 * reconciler or producer cannot make a second one), and the social-posting hand-off is keyed by
 * that id too. A post whose job finished but whose own state was never updated is settled.
 */
@Injectable()
export class ScheduledPostsSweep implements MaintenanceTask {
  readonly name = 'scheduled-posts' as const;
  readonly description = 'Queue scheduled posts that are due and have no live job';
  private readonly logger = new Logger('ScheduledPostsSweep');

  constructor(
    private readonly posts: ScheduledPostsService,
    private readonly registry: QueueRegistry,
    private readonly records: JobRecordsService,
    private readonly index: JobIndex,
    private readonly reconciler: JobReconciler,
    private readonly kernel: JobKernel,
  ) {}

  async run(): Promise<Record<string, number>> {
    const now = new Date();
    const due = await this.posts.findDue(now, BATCH);
    const report = { due: due.length, live: 0, queued: 0, settled: 0 };
    const queue = await this.registry.use(QUEUE_NAMES.SCHEDULED_POSTS);
    for (const post of due) {
      const job = await queue.getJob(post._id);
      const state = job && (await job.getState());
      if (job && state !== 'completed' && state !== 'failed') {
        report.live++;
        continue;
      }
      const outcome = await this.recover(post, now, Boolean(job));
      if (outcome) report[outcome]++;
    }
    if (report.queued || report.settled)
      this.logger.warn(
        `${report.queued} due scheduled post(s) had lost their job and were queued; ${report.settled} settled`,
      );
    return report;
  }

  /** `finishedInRedis`: the job is still in Redis, finished; its record may trail by a moment. */
  private async recover(
    post: ScheduledPost,
    now: Date,
    finishedInRedis: boolean,
  ): Promise<'queued' | 'settled' | undefined> {
    const record = await this.records.findById(post._id);
    if (!record) {
      // Records are written when jobs end: none yet is normal. A young post whose job is not even
      // listed may be between the producer's two writes (which would remove it on failure).
      const young = now.getTime() - new Date(post.createdAt).getTime() < PRODUCER_GRACE_MS;
      const ref = { id: post._id, queue: QUEUE_NAMES.SCHEDULED_POSTS };
      if (finishedInRedis || (young && !(await this.index.isListed(ref, post.ownerId))))
        return undefined;
      await this.kernel.add(
        QUEUE_NAMES.SCHEDULED_POSTS,
        JOB_NAMES.PUBLISH_SCHEDULED_POST,
        {
          userId: post.ownerId,
          contentId: post.contentId,
          platforms: post.platforms,
          content: post.content,
          scheduledPostId: post._id,
        },
        { jobId: post._id },
      );
      return 'queued';
    }
    if (record.state === 'completed') {
      await this.posts.markQueued(post._id, handOffJobId(post._id));
      return 'settled';
    }
    if (record.state === 'failed' || record.state === 'cancelled' || record.state === 'expired') {
      await this.posts.markEnded(post._id, record.state, record.failedReason);
      return 'settled';
    }
    if (finishedInRedis) return undefined;
    await this.reconciler.requeue(record);
    return 'queued';
  }
}
