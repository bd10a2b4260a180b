import { JOB_PRIORITY } from '../contracts/job-priority';
import { defineQueue, perMinute } from '../contracts/queue-catalogue';
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
  },
  jobs: { [JOB_NAMES.GENERATE_TRANSCRIPT]: GenerateTranscriptPayload },
});
