import { JOB_PRIORITY } from '../contracts/job-priority';
import { defineQueue, perMinute } from '../contracts/queue-catalogue';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';
import { SendEmailPayload } from './send-email.payload';

/** The email-sending queue: its catalogue row and its jobs. */
export const EMAIL_SENDING_QUEUE = defineQueue({
  spec: {
    name: QUEUE_NAMES.EMAIL_SENDING,
    purpose: 'Send emails',
    concurrency: 10,
    rateLimit: perMinute(100),
    defaultPriority: JOB_PRIORITY.NORMAL,
    attempts: 3,
    // A run stopped past this (one SMTP conversation); QUEUE_<NAME>_TIMEOUT_MS overrides.
    timeoutMs: 60_000,
  },
  jobs: { [JOB_NAMES.SEND_EMAIL]: SendEmailPayload },
});
