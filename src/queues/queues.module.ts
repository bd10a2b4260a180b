import { Module } from '@nestjs/common';
import { ContentModule } from '../content/content.module';
import { SocialModule } from '../social/social.module';
import { ContentGenerationModule } from './content-generation/content-generation.module';
import { EmailSendingModule } from './email-sending/email-sending.module';
import { QueueKernelModule } from './kernel/queue-kernel.module';
import { QueuesService } from './queues.service';
import { ScheduledPostsModule } from './scheduled-posts/scheduled-posts.module';
import { SocialPostingModule } from './social-posting/social-posting.module';
import { TranscriptGenerationModule } from './transcript-generation/transcript-generation.module';
import { VideoProcessingModule } from './video-processing/video-processing.module';

/** The kernel plus one module per queue; exports the QueuesService facade. */
@Module({
  imports: [
    QueueKernelModule,
    VideoProcessingModule,
    ContentGenerationModule,
    EmailSendingModule,
    TranscriptGenerationModule,
    SocialPostingModule,
    ScheduledPostsModule,
    SocialModule,
    ContentModule,
  ],
  providers: [QueuesService],
  // The facade and the kernel services (status, control, operations, records) for the app layer.
  exports: [QueuesService, QueueKernelModule],
})
export class QueuesModule {}
