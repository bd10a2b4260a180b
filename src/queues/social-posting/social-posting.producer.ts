import { Injectable } from '@nestjs/common';
import { AcceptedJob, AddJobOptions, JobKernel } from '../kernel/job-kernel.service';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';
import type { PostToSocialPayload } from './post-to-social.payload';

@Injectable()
export class SocialPostingProducer {
  constructor(private readonly kernel: JobKernel) {}

  post(payload: PostToSocialPayload, options?: AddJobOptions): Promise<AcceptedJob> {
    return this.kernel.add(QUEUE_NAMES.SOCIAL_POSTING, JOB_NAMES.POST_TO_SOCIAL, payload, options);
  }
}
