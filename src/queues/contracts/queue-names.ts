/** The six queues, by the seed's names. */
export const QUEUE_NAMES = {
  VIDEO_PROCESSING: 'video-processing',
  CONTENT_GENERATION: 'content-generation',
  EMAIL_SENDING: 'email-sending',
  TRANSCRIPT_GENERATION: 'transcript-generation',
  SOCIAL_POSTING: 'social-posting',
  SCHEDULED_POSTS: 'scheduled-posts',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export const ALL_QUEUES: readonly QueueName[] = Object.values(QUEUE_NAMES);

export function isQueueName(value: string): value is QueueName {
  return (ALL_QUEUES as readonly string[]).includes(value);
}

/** The job name each queue's producer uses (one kind of job per queue today). */
export const JOB_NAMES = {
  PROCESS_VIDEO: 'process-video',
  GENERATE_CONTENT: 'generate-content',
  SEND_EMAIL: 'send-email',
  GENERATE_TRANSCRIPT: 'generate-transcript',
  POST_TO_SOCIAL: 'post-to-social',
  PUBLISH_SCHEDULED_POST: 'publish-scheduled-post',
} as const;
