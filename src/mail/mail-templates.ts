import type { MailTemplate } from '../queues/email-sending/send-email.payload';

/** Subjects used when a job does not give its own; `{{…}}` is filled from the template data. */
export const DEFAULT_SUBJECTS: Record<MailTemplate, string> = {
  welcome: 'Welcome to Click, {{name}}!',
  'job-completed': 'Your {{jobName}} job is done',
  'job-failed': 'Your {{jobName}} job failed',
  'post-published': 'Your post is live on {{platforms}}',
};
