import { ProcessVideoPayload } from './video-processing/process-video.payload';
import { GenerateContentPayload } from './content-generation/generate-content.payload';
import { SendEmailPayload } from './email-sending/send-email.payload';
import { GenerateTranscriptPayload } from './transcript-generation/generate-transcript.payload';
import { PostToSocialPayload } from './social-posting/post-to-social.payload';
import { PublishScheduledPostPayload } from './scheduled-posts/publish-scheduled-post.payload';
import { JOB_NAMES, QUEUE_NAMES, QueueName } from './contracts/queue-names';

/**
 * Queue → job name → payload class. Producers and processors are typed from this one map, and
 * both validate payloads against the class, so neither side can drift from the other.
 */
export const JOB_PAYLOADS = {
  [QUEUE_NAMES.VIDEO_PROCESSING]: { [JOB_NAMES.PROCESS_VIDEO]: ProcessVideoPayload },
  [QUEUE_NAMES.CONTENT_GENERATION]: { [JOB_NAMES.GENERATE_CONTENT]: GenerateContentPayload },
  [QUEUE_NAMES.EMAIL_SENDING]: { [JOB_NAMES.SEND_EMAIL]: SendEmailPayload },
  [QUEUE_NAMES.TRANSCRIPT_GENERATION]: {
    [JOB_NAMES.GENERATE_TRANSCRIPT]: GenerateTranscriptPayload,
  },
  [QUEUE_NAMES.SOCIAL_POSTING]: { [JOB_NAMES.POST_TO_SOCIAL]: PostToSocialPayload },
  [QUEUE_NAMES.SCHEDULED_POSTS]: {
    [JOB_NAMES.PUBLISH_SCHEDULED_POST]: PublishScheduledPostPayload,
  },
} as const;

type Registry = typeof JOB_PAYLOADS;

export type JobNameOf<Q extends QueueName> = keyof Registry[Q] & string;

export type PayloadOf<
  Q extends QueueName,
  N extends JobNameOf<Q>,
> = Registry[Q][N] extends new () => infer P ? P : never;

export { ownerOf } from './contracts/owner';

export function contentOf(payload: object): string | undefined {
  const contentId = (payload as { contentId?: unknown }).contentId;
  return typeof contentId === 'string' ? contentId : undefined;
}

export function payloadClassFor(queue: QueueName, name: string): (new () => object) | undefined {
  return (JOB_PAYLOADS[queue] as Record<string, new () => object>)[name];
}
