import { JOB_PRIORITY } from '../contracts/job-priority';
import { defineQueue, perMinute } from '../contracts/queue-catalogue';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';
import { GenerateContentPayload } from './generate-content.payload';

/** The content-generation queue: its catalogue row and its jobs. */
export const CONTENT_GENERATION_QUEUE = defineQueue({
  spec: {
    name: QUEUE_NAMES.CONTENT_GENERATION,
    purpose: 'Generate social media content',
    concurrency: 5,
    rateLimit: perMinute(20),
    defaultPriority: JOB_PRIORITY.NORMAL,
    attempts: 3,
  },
  jobs: { [JOB_NAMES.GENERATE_CONTENT]: GenerateContentPayload },
});
