import { JOB_PRIORITY } from '../contracts/job-priority';
import { defineQueue } from '../contracts/queue-catalogue';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';
import { PublishScheduledPostPayload } from './publish-scheduled-post.payload';

/** The scheduled-posts queue: its catalogue row and its jobs. */
export const SCHEDULED_POSTS_QUEUE = defineQueue({
  spec: {
    name: QUEUE_NAMES.SCHEDULED_POSTS,
    purpose: 'Schedule future posts',
    concurrency: 5,
    defaultPriority: JOB_PRIORITY.NORMAL,
    attempts: 3,
    // A run stopped past this (hands the post to social-posting); QUEUE_<NAME>_TIMEOUT_MS overrides.
    timeoutMs: 60_000,
  },
  jobs: { [JOB_NAMES.PUBLISH_SCHEDULED_POST]: PublishScheduledPostPayload },
});
