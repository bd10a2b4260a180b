import { Processor } from '@nestjs/bullmq';
import { ScheduledPostsService } from '../../social/scheduled-posts.service';
import { SocialPublishingService } from '../../social/social-publishing.service';
import type { FinishedOutcome } from '../contracts/job-context';
import { JobHandlers, KernelProcessor } from '../kernel/kernel-processor';
import { workerOptionsSlot } from '../kernel/worker-options';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';
import type { PostToSocialPayload } from './post-to-social.payload';

@Processor(QUEUE_NAMES.SOCIAL_POSTING, workerOptionsSlot(QUEUE_NAMES.SOCIAL_POSTING))
export class SocialPostingProcessor extends KernelProcessor<typeof QUEUE_NAMES.SOCIAL_POSTING> {
  readonly queueName = QUEUE_NAMES.SOCIAL_POSTING;

  constructor(
    private readonly publishing: SocialPublishingService,
    private readonly scheduledPosts: ScheduledPostsService,
  ) {
    super();
  }

  protected readonly handlers: JobHandlers<typeof QUEUE_NAMES.SOCIAL_POSTING> = {
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
