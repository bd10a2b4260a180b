import { JOB_PRIORITY } from '../contracts/job-priority';
import { defineQueue, MINUTE_MS, perMinute } from '../contracts/queue-catalogue';
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
    // A run stopped past this (an LLM call and a few retries inside it); QUEUE_<NAME>_TIMEOUT_MS overrides.
    timeoutMs: 5 * MINUTE_MS,
  },
  jobs: { [JOB_NAMES.GENERATE_CONTENT]: GenerateContentPayload },
});
