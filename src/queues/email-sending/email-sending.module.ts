import { Module } from '@nestjs/common';
import { MailModule } from '../../mail/mail.module';
import { EmailSendingProcessor } from './email-sending.processor';
import { EmailSendingProducer } from './email-sending.producer';

@Module({
  imports: [MailModule],
  providers: [EmailSendingProducer, EmailSendingProcessor],
  exports: [EmailSendingProducer],
})
export class EmailSendingModule {}
