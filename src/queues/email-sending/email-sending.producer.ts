import { Injectable } from '@nestjs/common';
import { AcceptedJob, AddJobOptions, JobKernel } from '../kernel/job-kernel.service';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';
import type { SendEmailPayload } from './send-email.payload';

@Injectable()
export class EmailSendingProducer {
  constructor(private readonly kernel: JobKernel) {}

  send(email: SendEmailPayload, options?: AddJobOptions): Promise<AcceptedJob> {
    return this.kernel.add(QUEUE_NAMES.EMAIL_SENDING, JOB_NAMES.SEND_EMAIL, email, options);
  }
}
