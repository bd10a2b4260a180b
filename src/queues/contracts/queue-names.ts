/** The six queues the product ships, by the seed's names. */
export const QUEUE_NAMES = {
  VIDEO_PROCESSING: 'video-processing',
  CONTENT_GENERATION: 'content-generation',
  EMAIL_SENDING: 'email-sending',
  TRANSCRIPT_GENERATION: 'transcript-generation',
  SOCIAL_POSTING: 'social-posting',
  SCHEDULED_POSTS: 'scheduled-posts',
} as const;

export type BuiltInQueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/**
 * A queue's name. The set of queues is known at run time (the kernel's QueueCatalogue finds each
 * queue through its processor), so code that takes any queue takes a string and resolves it there.
 */
export type QueueName = string;

/** The built-in queues, in catalogue order (for documentation such as OpenAPI enums). */
export const BUILT_IN_QUEUES: readonly BuiltInQueueName[] = Object.values(QUEUE_NAMES);

/** The job name each built-in queue's producer uses (one kind of job per queue today). */
export const JOB_NAMES = {
  PROCESS_VIDEO: 'process-video',
  GENERATE_CONTENT: 'generate-content',
  SEND_EMAIL: 'send-email',
  GENERATE_TRANSCRIPT: 'generate-transcript',
  POST_TO_SOCIAL: 'post-to-social',
  PUBLISH_SCHEDULED_POST: 'publish-scheduled-post',
} as const;

/** What a queue name may look like (BullMQ builds keys from it; ':' would break them). */
export const QUEUE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
