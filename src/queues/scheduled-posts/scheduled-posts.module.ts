import { registerKernelQueue } from '../kernel/register-kernel-queue';
import { Module } from '@nestjs/common';
import { QueueKernelModule } from '../kernel/queue-kernel.module';
import { SCHEDULED_POSTS_QUEUE } from './scheduled-posts.queue';
import { SocialModule } from '../../social/social.module';
import { SocialPostingModule } from '../social-posting/social-posting.module';
import { ScheduledPostsProcessor } from './scheduled-posts.processor';
import { ScheduledPostsProducer } from './scheduled-posts.producer';

@Module({
  imports: [
    QueueKernelModule,
    registerKernelQueue(SCHEDULED_POSTS_QUEUE.spec.name),
    SocialModule,
    SocialPostingModule,
  ],
  providers: [ScheduledPostsProducer, ScheduledPostsProcessor],
  exports: [ScheduledPostsProducer],
})
export class ScheduledPostsModule {}
