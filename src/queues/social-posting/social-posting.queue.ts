import { JOB_PRIORITY } from '../contracts/job-priority';
import { defineQueue, MINUTE_MS, perMinute } from '../contracts/queue-catalogue';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';
import { PostToSocialPayload } from './post-to-social.payload';

/** The social-posting queue: its catalogue row and its jobs. */
export const SOCIAL_POSTING_QUEUE = defineQueue({
  spec: {
    name: QUEUE_NAMES.SOCIAL_POSTING,
    purpose: 'Post to social platforms',
    concurrency: 5,
    rateLimit: perMinute(20),
    defaultPriority: JOB_PRIORITY.NORMAL,
    attempts: 3,
    // A run stopped past this (one request per platform, each with its own timeout); QUEUE_<NAME>_TIMEOUT_MS overrides.
    timeoutMs: 5 * MINUTE_MS,
  },
  jobs: { [JOB_NAMES.POST_TO_SOCIAL]: PostToSocialPayload },
});
