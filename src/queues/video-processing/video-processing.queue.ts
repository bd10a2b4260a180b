import { JOB_PRIORITY } from '../contracts/job-priority';
import { defineQueue, MINUTE_MS, perMinute } from '../contracts/queue-catalogue';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';
import { ProcessVideoPayload } from './process-video.payload';

/** The video-processing queue: its catalogue row and its jobs. */
export const VIDEO_PROCESSING_QUEUE = defineQueue({
  spec: {
    name: QUEUE_NAMES.VIDEO_PROCESSING,
    purpose: 'Process uploaded videos',
    concurrency: 2,
    rateLimit: perMinute(5),
    defaultPriority: JOB_PRIORITY.HIGH,
    attempts: 3,
    // A run stopped past this (a download and a full transcode); QUEUE_<NAME>_TIMEOUT_MS overrides.
    timeoutMs: 60 * MINUTE_MS,
  },
  jobs: { [JOB_NAMES.PROCESS_VIDEO]: ProcessVideoPayload },
});
