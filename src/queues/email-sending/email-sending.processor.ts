import { Processor } from '@nestjs/bullmq';
import { MailService } from '../../mail/mail.service';
import { JobHandlers, KernelProcessor } from '../kernel/kernel-processor';
import { JOB_NAMES } from '../contracts/queue-names';
import { EMAIL_SENDING_QUEUE } from './email-sending.queue';

@Processor(EMAIL_SENDING_QUEUE.spec.name)
export class EmailSendingProcessor extends KernelProcessor<typeof EMAIL_SENDING_QUEUE> {
  readonly definition = EMAIL_SENDING_QUEUE;

  constructor(private readonly mail: MailService) {
    super();
  }

  protected readonly handlers: JobHandlers<typeof EMAIL_SENDING_QUEUE> = {
    [JOB_NAMES.SEND_EMAIL]: (email, { jobId, deferUntil, logFields, admitProvider }) =>
      this.mail.send(email, { id: jobId, deferUntil, logFields, admitProvider }),
  };
}
