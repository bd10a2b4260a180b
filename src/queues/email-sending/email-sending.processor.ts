import { Processor } from '@nestjs/bullmq';
import { MailService } from '../../mail/mail.service';
import { JobHandlers, KernelProcessor } from '../kernel/kernel-processor';
import { workerOptionsSlot } from '../kernel/worker-options';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';

@Processor(QUEUE_NAMES.EMAIL_SENDING, workerOptionsSlot(QUEUE_NAMES.EMAIL_SENDING))
export class EmailSendingProcessor extends KernelProcessor<typeof QUEUE_NAMES.EMAIL_SENDING> {
  readonly queueName = QUEUE_NAMES.EMAIL_SENDING;

  constructor(private readonly mail: MailService) {
    super();
  }

  protected readonly handlers: JobHandlers<typeof QUEUE_NAMES.EMAIL_SENDING> = {
    [JOB_NAMES.SEND_EMAIL]: (email, { jobId, deferUntil }) =>
      this.mail.send(email, { id: jobId, deferUntil }),
  };
}
