import { Module } from '@nestjs/common';
import { QueueKernelModule } from '../kernel/queue-kernel.module';
import { SocialModule } from '../../social/social.module';
import { SocialPostingModule } from '../social-posting/social-posting.module';
import { ScheduledPostsProcessor } from './scheduled-posts.processor';
import { ScheduledPostsProducer } from './scheduled-posts.producer';

@Module({
  imports: [QueueKernelModule, SocialModule, SocialPostingModule],
  providers: [ScheduledPostsProducer, ScheduledPostsProcessor],
  exports: [ScheduledPostsProducer],
})
export class ScheduledPostsModule {}
