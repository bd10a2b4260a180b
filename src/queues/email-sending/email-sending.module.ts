import { Module } from '@nestjs/common';
import { QueueKernelModule } from '../kernel/queue-kernel.module';
import { MailModule } from '../../mail/mail.module';
import { EmailSendingProcessor } from './email-sending.processor';
import { EmailSendingProducer } from './email-sending.producer';

@Module({
  imports: [QueueKernelModule, MailModule],
  providers: [EmailSendingProducer, EmailSendingProcessor],
  exports: [EmailSendingProducer],
})
export class EmailSendingModule {}
