import { registerKernelQueue } from '../kernel/register-kernel-queue';
import { Module } from '@nestjs/common';
import { QueueKernelModule } from '../kernel/queue-kernel.module';
import { EMAIL_SENDING_QUEUE } from './email-sending.queue';
import { MailModule } from '../../mail/mail.module';
import { EmailSendingProcessor } from './email-sending.processor';
import { EmailSendingProducer } from './email-sending.producer';

@Module({
  imports: [QueueKernelModule, registerKernelQueue(EMAIL_SENDING_QUEUE.spec.name), MailModule],
  providers: [EmailSendingProducer, EmailSendingProcessor],
  exports: [EmailSendingProducer],
})
export class EmailSendingModule {}
