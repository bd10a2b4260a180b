import { JOB_PRIORITY } from '../contracts/job-priority';
import { defineQueue, MINUTE_MS, perMinute } from '../contracts/queue-catalogue';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';
import { GenerateTranscriptPayload } from './generate-transcript.payload';

/** The transcript-generation queue: its catalogue row and its jobs. */
export const TRANSCRIPT_GENERATION_QUEUE = defineQueue({
  spec: {
    name: QUEUE_NAMES.TRANSCRIPT_GENERATION,
    purpose: 'Generate video transcripts',
    concurrency: 3,
    rateLimit: perMinute(10),
    defaultPriority: JOB_PRIORITY.NORMAL,
    attempts: 3,
    // A run stopped past this (speech recognition of a long video); QUEUE_<NAME>_TIMEOUT_MS overrides.
    timeoutMs: 30 * MINUTE_MS,
  },
  jobs: { [JOB_NAMES.GENERATE_TRANSCRIPT]: GenerateTranscriptPayload },
});
