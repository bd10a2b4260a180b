import { Injectable } from '@nestjs/common';
import { validateDto } from '../../common/validate-dto';
import { ScheduledPostsService } from '../../social/scheduled-posts.service';
import { AcceptedJob, AddJobOptions, JobKernel } from '../kernel/job-kernel.service';
import { JobPayloadError } from '../contracts/job-errors';
import { newJobId } from '../kernel/job-options';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';
import { SocialPostFields } from '../social-posting/post-to-social.payload';

@Injectable()
export class ScheduledPostsProducer {
  constructor(
    private readonly kernel: JobKernel,
    private readonly scheduledPosts: ScheduledPostsService,
  ) {}

  /**
   * Stores the scheduled post, then its delayed job (same id). A date in the past is refused.
   * A deadline (after `date`) is passed on to the social-posting job it hands off to.
   */
  async schedule(
    fields: SocialPostFields,
    date: Date,
    options: Pick<AddJobOptions, 'deadline'> = {},
  ): Promise<AcceptedJob> {
    const post = validateDto(SocialPostFields, fields);
    if (!(date instanceof Date) || Number.isNaN(date.getTime()))
      throw new JobPayloadError(['date must be a valid date']);
    if (date.getTime() <= Date.now()) throw new JobPayloadError(['date must be in the future']);
    const id = newJobId();
    await this.scheduledPosts.create(id, post, date);
    try {
      return await this.kernel.add(
        QUEUE_NAMES.SCHEDULED_POSTS,
        JOB_NAMES.PUBLISH_SCHEDULED_POST,
        { ...post, scheduledPostId: id },
        { runAt: date, jobId: id, deadline: options.deadline },
      );
    } catch (error) {
      await this.scheduledPosts.remove(id);
      throw error;
    }
  }
}
