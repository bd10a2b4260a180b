import { Module } from '@nestjs/common';
import { QueueKernelModule } from '../kernel/queue-kernel.module';
import { SocialModule } from '../../social/social.module';
import { SocialPostingProcessor } from './social-posting.processor';
import { SocialPostingProducer } from './social-posting.producer';

@Module({
  imports: [QueueKernelModule, SocialModule],
  providers: [SocialPostingProducer, SocialPostingProcessor],
  exports: [SocialPostingProducer],
})
export class SocialPostingModule {}
