import { contentFields } from '../content/content-fields';
import type { Content } from '../content/content.schema';
import type { JobStatus } from '../queues';

/** One step of the content's pipeline, from its job's status. */
function toTimelineStep(job: JobStatus) {
  const { started, finished } = job.timestamps;
  return {
    step: job.queue,
    jobId: job.id,
    state: job.state,
    progress: job.progress,
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason,
    createdAt: job.timestamps.created,
    startedAt: started,
    finishedAt: finished,
    durationMs: started && finished ? Date.parse(finished) - Date.parse(started) : undefined,
  };
}

/**
 * The content document as the API shows it: `id` instead of `_id`, dates as ISO strings, and the
 * timeline of the jobs that worked on it (each step, its job id, state and timing).
 */
export function toContentView(content: Content, jobs: JobStatus[]) {
  return {
    ...contentFields(content),
    timeline: jobs.map(toTimelineStep),
    createdAt: content.createdAt?.toISOString(),
    updatedAt: content.updatedAt?.toISOString(),
  };
}
