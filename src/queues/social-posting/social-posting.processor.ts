import { Processor } from '@nestjs/bullmq';
import { ScheduledPostsService } from '../../social/scheduled-posts.service';
import { SocialPublishingService } from '../../social/social-publishing.service';
import type { FinishedOutcome } from '../contracts/job-context';
import { JobHandlers, KernelProcessor } from '../kernel/kernel-processor';
import { JOB_NAMES } from '../contracts/queue-names';
import { SOCIAL_POSTING_QUEUE } from './social-posting.queue';
import type { PostToSocialPayload } from './post-to-social.payload';

@Processor(SOCIAL_POSTING_QUEUE.spec.name)
export class SocialPostingProcessor extends KernelProcessor<typeof SOCIAL_POSTING_QUEUE> {
  readonly definition = SOCIAL_POSTING_QUEUE;

  constructor(
    private readonly publishing: SocialPublishingService,
    private readonly scheduledPosts: ScheduledPostsService,
  ) {
    super();
  }

  protected readonly handlers: JobHandlers<typeof SOCIAL_POSTING_QUEUE> = {
    [JOB_NAMES.POST_TO_SOCIAL]: (payload, context) => this.publishing.publish(payload, context),
  };

  /** A scheduled post follows the job it handed off to. */
  override async onFinished(payload: object, outcome: FinishedOutcome): Promise<void> {
    const { scheduledPostId } = payload as PostToSocialPayload;
    if (!scheduledPostId) return;
    if (outcome.state === 'completed')
      await this.scheduledPosts.markEnded(scheduledPostId, 'published');
    else await this.scheduledPosts.markEnded(scheduledPostId, outcome.state, outcome.reason);
  }
}
