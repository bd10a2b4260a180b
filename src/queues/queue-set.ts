import type { Type } from '@nestjs/common';
import type { QueueDefinition } from './contracts/queue-catalogue';
import { CONTENT_GENERATION_QUEUE } from './content-generation/content-generation.queue';
import { ContentGenerationModule } from './content-generation/content-generation.module';
import { EMAIL_SENDING_QUEUE } from './email-sending/email-sending.queue';
import { EmailSendingModule } from './email-sending/email-sending.module';
import { SCHEDULED_POSTS_QUEUE } from './scheduled-posts/scheduled-posts.queue';
import { ScheduledPostsModule } from './scheduled-posts/scheduled-posts.module';
import { SOCIAL_POSTING_QUEUE } from './social-posting/social-posting.queue';
import { SocialPostingModule } from './social-posting/social-posting.module';
import { TRANSCRIPT_GENERATION_QUEUE } from './transcript-generation/transcript-generation.queue';
import { TranscriptGenerationModule } from './transcript-generation/transcript-generation.module';
import { VIDEO_PROCESSING_QUEUE } from './video-processing/video-processing.queue';
import { VideoProcessingModule } from './video-processing/video-processing.module';

/** A queue as the app assembles it: its definition and the Nest module of its folder. */
export interface QueueEntry<D extends QueueDefinition = QueueDefinition> {
  definition: D;
  module: Type<unknown>;
}

const entry = <D extends QueueDefinition>(definition: D, module: Type<unknown>): QueueEntry<D> => ({
  definition,
  module,
});

/**
 * Where the queues are assembled: one line per queue. At run time the kernel finds each queue
 * through its processor (QueueCatalogue); this list gives the app its modules and the typed
 * helpers their queue → job → payload map. See docs/architecture.md, "Adding a queue".
 */
export const QUEUE_SET = [
  entry(VIDEO_PROCESSING_QUEUE, VideoProcessingModule),
  entry(CONTENT_GENERATION_QUEUE, ContentGenerationModule),
  entry(EMAIL_SENDING_QUEUE, EmailSendingModule),
  entry(TRANSCRIPT_GENERATION_QUEUE, TranscriptGenerationModule),
  entry(SOCIAL_POSTING_QUEUE, SocialPostingModule),
  entry(SCHEDULED_POSTS_QUEUE, ScheduledPostsModule),
] as const;
