import { Processor } from '@nestjs/bullmq';
import { ScheduledPostsService } from '../../social/scheduled-posts.service';
import type { FinishedOutcome, JobContext } from '../contracts/job-context';
import { JobHandlers, KernelProcessor } from '../kernel/kernel-processor';
import { JOB_NAMES } from '../contracts/queue-names';
import { SCHEDULED_POSTS_QUEUE } from './scheduled-posts.queue';
import { SocialPostingProducer } from '../social-posting/social-posting.producer';
import type { PublishScheduledPostPayload } from './publish-scheduled-post.payload';

/** The social-posting job a scheduled post's job hands off to. */
export function handOffJobId(scheduledJobId: string): string {
  return `${scheduledJobId}-post`;
}

@Processor(SCHEDULED_POSTS_QUEUE.spec.name)
export class ScheduledPostsProcessor extends KernelProcessor<typeof SCHEDULED_POSTS_QUEUE> {
  readonly definition = SCHEDULED_POSTS_QUEUE;

  constructor(
    private readonly socialPosting: SocialPostingProducer,
    private readonly scheduledPosts: ScheduledPostsService,
  ) {
    super();
  }

  protected readonly handlers: JobHandlers<typeof SCHEDULED_POSTS_QUEUE> = {
    [JOB_NAMES.PUBLISH_SCHEDULED_POST]: (payload, context) => this.handOff(payload, context),
  };

  /**
   * Due: hand off to social-posting for the same owner. The follow-up job's id derives from this
   * one, so a retried hand-off finds the job it already made instead of posting twice. The post's
   * deadline goes with it: a platform's open breaker or a backlog there can hold it too.
   */
  private async handOff(
    { scheduledPostId, ...post }: PublishScheduledPostPayload,
    context: JobContext,
  ) {
    // Past it by now (this run started in time, a moment ago): the post goes out without one.
    const deadline =
      context.deadline && context.deadline.getTime() > Date.now() ? context.deadline : undefined;
    const accepted = await this.socialPosting.post(
      { ...post, scheduledPostId },
      { jobId: handOffJobId(context.jobId), deadline },
    );
    await this.scheduledPosts.markQueued(scheduledPostId, accepted.jobId);
    return { socialJobId: accepted.jobId };
  }

  override async onFinished(payload: object, outcome: FinishedOutcome): Promise<void> {
    if (outcome.state === 'completed') return;
    const { scheduledPostId } = payload as PublishScheduledPostPayload;
    await this.scheduledPosts.markEnded(scheduledPostId, outcome.state, outcome.reason);
  }

  /** Retried by an admin: the post is scheduled again (at its time, or now if that has passed). */
  override async onRetried(payload: object): Promise<void> {
    await this.scheduledPosts.reopen((payload as PublishScheduledPostPayload).scheduledPostId);
  }
}
