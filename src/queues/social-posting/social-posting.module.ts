import { registerKernelQueue } from '../kernel/register-kernel-queue';
import { Module } from '@nestjs/common';
import { QueueKernelModule } from '../kernel/queue-kernel.module';
import { SOCIAL_POSTING_QUEUE } from './social-posting.queue';
import { SocialModule } from '../../social/social.module';
import { SocialPostingProcessor } from './social-posting.processor';
import { SocialPostingProducer } from './social-posting.producer';

@Module({
  imports: [QueueKernelModule, registerKernelQueue(SOCIAL_POSTING_QUEUE.spec.name), SocialModule],
  providers: [SocialPostingProducer, SocialPostingProcessor],
  exports: [SocialPostingProducer],
})
export class SocialPostingModule {}
